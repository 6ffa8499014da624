module github.com/starling-social/starling

go 1.26
