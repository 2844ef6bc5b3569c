module gocalltree

go 1.19
