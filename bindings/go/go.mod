module venc.dev/venc

go 1.21
