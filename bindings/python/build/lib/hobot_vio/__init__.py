"""Drop-in for the RDK board's `hobot_vio` package: only `libsrcampy.Encoder` is provided."""
