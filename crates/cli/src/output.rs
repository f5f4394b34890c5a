//! What commands print on stdout. A reader that goes away early
//! (`cordon agency list | head -1`) ends the command quietly, as it ends any
//! Unix tool, where `println!` would panic: Rust ignores SIGPIPE, and the
//! workspace forbids the `unsafe` that would restore it.

use std::fmt;
use std::io::{self, Write};

/// `println!` for command output; see the module.
macro_rules! say {
    () => {
        $crate::output::line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))
    };
}
pub(crate) use say;

/// Writes one line; a closed pipe ends the process with success, any
/// other failure with a message.
pub fn line(args: fmt::Arguments<'_>) {
    let mut out = io::stdout().lock();
    let written = out
        .write_fmt(args)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    if let Err(e) = written {
        gone(&e);
    }
}

/// Ends the process for a failed write to stdout.
pub fn gone(e: &io::Error) -> ! {
    if e.kind() == io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("cordon: cannot write the output: {e}");
    std::process::exit(1);
}

/// Whether an error is stdout's reader having gone away.
pub fn is_closed_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}
