"""What `tracker run` is made of: the daemon (`daemon`), one leader per database (`leader`),
when each source is due (`polling`) and the operator's health alerts (`health`)."""
