import CLineEditing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C while a computation runs.
///
/// **After `install()` SIGINT no longer kills the process**: it only sets a
/// flag. `EditLineReader` installs it itself, so Ctrl-C at the prompt cancels
/// the line; a long computation polls `requested` and stops early.
public enum Interrupt {
    /// Installs the SIGINT flag handler once (later calls do nothing). The
    /// handler is installed without `SA_RESTART`, so a blocked read returns.
    public static func install() {
        cle_install_interrupt_handler()
    }

    /// Whether Ctrl-C was pressed since the last `clear()` (or the last
    /// `LineReader.read`, which clears it first). Cheap enough to poll every
    /// training step.
    public static var requested: Bool {
        cle_interrupt_requested() != 0
    }

    /// Forgets a pending Ctrl-C.
    public static func clear() {
        cle_clear_interrupt()
    }
}

/// Facts about the terminal.
public enum Terminal {
    /// Whether `fd` is a terminal (`isatty`).
    public static func isTerminal(_ fd: Int32) -> Bool {
        isatty(fd) == 1
    }

    /// The width of the terminal: standard output's, else standard error's or
    /// input's, else `$COLUMNS`, else 80.
    public static var columns: Int {
        for fd: Int32 in [1, 2, 0] {
            let width = Int(cle_terminal_columns(fd))
            if width > 0 { return width }
        }
        if let text = getenv("COLUMNS"), let width = Int(String(cString: text)), width > 0 {
            return width
        }
        return 80
    }
}
