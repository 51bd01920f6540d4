// CapasLineEditing — how the capas REPL reads what the learner types.
//
// The interpreter talks to a `LineReader` and never knows which one it has:
//
//     let reader: LineReader = makeLineReader(
//         historyFile: defaultHistoryFile(environment: ProcessInfo.processInfo.environment),
//         completer: myCompleter)
//     loop: while true {
//         switch reader.read(prompt: "capas> ") {
//         case .line(let text):  reader.remember(text); run(text)   // run polls Interrupt.requested
//         case .interrupted:     continue                           // Ctrl-C: line abandoned, "^C" already shown
//         case .endOfInput:      break loop                         // Ctrl-D on an empty line, or end of a pipe
//         }
//     }
//
// - `EditLineReader` edits on a terminal through libedit: arrows, Emacs keys,
//   Up/Down history saved to a file, Ctrl-R search, Tab completion through a
//   `Completer`. **Only one may be alive at a time**: libedit's readline
//   interface is a single global editor.
// - `PlainLineReader` reads a file descriptor (pipes, files, tests) without
//   libedit and ignores prompts.
// - `Interrupt` is the Ctrl-C flag. **Ctrl-C never exits**: while reading it
//   cancels the line (`.interrupted`); while a computation runs it only sets
//   `Interrupt.requested`, which long loops (training) poll. Every `read`
//   clears the flag first, so after `.line` it is false until the next Ctrl-C.
// - `Terminal` answers "is this a terminal?" and "how wide is it?".
// - `defaultHistoryFile(environment:)` is `$XDG_DATA_HOME/capas/history` or
//   `~/.local/share/capas/history`.
//
// All of libedit, the locale and the SIGINT handler live in the C target
// `CLineEditing`; this module holds no C globals. Call the readers from one
// thread (the REPL's).

import CLineEditing
import Foundation

/// What one `LineReader.read(prompt:)` produced.
public enum LineInput: Equatable, Sendable {
    /// A line, without its newline (and without a `\r` before it). Invalid
    /// UTF-8 is replaced by U+FFFD. An entry recalled from history that was
    /// remembered with newlines comes back whole, newlines included.
    case line(String)
    /// Ctrl-C while typing: the line was abandoned. Read again.
    case interrupted
    /// Ctrl-D on an empty line, or the end of the input.
    case endOfInput
}

/// A source of lines for the interpreter, on a terminal or not.
public protocol LineReader: AnyObject {
    /// Shows `prompt` (ignored by non-terminal readers) and reads one line without its newline.
    func read(prompt: String) -> LineInput
    /// Records a finished (possibly multi-line) entry in the history.
    func remember(_ entry: String)
}

/// Tab completion for `EditLineReader`.
public protocol Completer: AnyObject {
    /// Given the text before the cursor, returns where the word being completed
    /// starts and the words that may replace it.
    ///
    /// **`wordStart` counts `Character`s** (Swift's `String.count`), not UTF-8
    /// bytes: for `"año max"` completing `max` it is 4. Each candidate replaces
    /// `lineBeforeCursor` from `wordStart` to the end, so return `"maxpool"`,
    /// not `"pool"`. A single candidate gets a space after it unless it ends
    /// in `=` or `/`; several are completed to their common prefix and listed
    /// on a second Tab.
    func completions(lineBeforeCursor: String) -> (wordStart: Int, candidates: [String])
}

/// An `EditLineReader` when standard input and output are both terminals,
/// otherwise a `PlainLineReader` on standard input. (With output piped,
/// libedit turns editing off anyway.)
public func makeLineReader(historyFile: URL?, completer: Completer?, maxHistory: Int = 1000) -> LineReader {
    if Terminal.isTerminal(0) && Terminal.isTerminal(1) {
        return EditLineReader(historyFile: historyFile, completer: completer, maxHistory: maxHistory)
    }
    return PlainLineReader(fileDescriptor: 0)
}

/// Where the REPL keeps its history: `$XDG_DATA_HOME/capas/history` when
/// `XDG_DATA_HOME` is an absolute path, otherwise
/// `$HOME/.local/share/capas/history` (the XDG default).
public func defaultHistoryFile(environment: [String: String]) -> URL {
    if let data = environment["XDG_DATA_HOME"], data.hasPrefix("/") {
        // The XDG spec says a relative value is invalid and must be ignored.
        return URL(fileURLWithPath: data, isDirectory: true)
            .appendingPathComponent("capas", isDirectory: true)
            .appendingPathComponent("history", isDirectory: false)
    }
    let home: String
    if let value = environment["HOME"], !value.isEmpty {
        home = value
    } else {
        home = NSHomeDirectory()
    }
    return URL(fileURLWithPath: home, isDirectory: true)
        .appendingPathComponent(".local/share/capas", isDirectory: true)
        .appendingPathComponent("history", isDirectory: false)
}
