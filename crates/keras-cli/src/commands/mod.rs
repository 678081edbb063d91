//! One file per subcommand: its arguments (`Args`, parsed by clap) and its `run`.

pub(crate) mod convert;
pub(crate) mod inspect;
pub(crate) mod predict;
pub(crate) mod summary;
