// Drives EditLineReader for the pseudo-terminal tests: reads lines until end
// of input and reports each result on its own line.
//
//     got: <line>      a line was read (and remembered)
//     interrupted      Ctrl-C cancelled the line
//     eof              end of input; the process then exits 0
//
// Two lines are commands instead:
//
//     :tty             prints "tty: cooked" or "tty: raw" (ICANON and ECHO on standard input)
//     :spin            "computes" until Ctrl-C sets Interrupt.requested (at most 60 s),
//                      printing "spinning" first and "stopped" at the end
//
// The history file comes from CAPAS_HARNESS_HISTORY (none if unset), its
// length from CAPAS_HARNESS_MAX_HISTORY (default 1000).
import CapasLineEditing
import Foundation

final class WordCompleter: Completer {
    let words = ["conv", "conv1d", "maxpool", "dense", ":load", ":save", "stride=", "pad="]

    func completions(lineBeforeCursor: String) -> (wordStart: Int, candidates: [String]) {
        let word = String(lineBeforeCursor.reversed().prefix { !$0.isWhitespace }.reversed())
        return (lineBeforeCursor.count - word.count, words.filter { $0.hasPrefix(word) })
    }
}

func terminalMode() -> String {
    var settings = termios()
    guard tcgetattr(0, &settings) == 0 else { return "unknown" }
    let cooked = settings.c_lflag & tcflag_t(ICANON) != 0 && settings.c_lflag & tcflag_t(ECHO) != 0
    return cooked ? "cooked" : "raw"
}

let environment = ProcessInfo.processInfo.environment
let historyFile = environment["CAPAS_HARNESS_HISTORY"].map { URL(fileURLWithPath: $0) }
let maxHistory = environment["CAPAS_HARNESS_MAX_HISTORY"].flatMap { Int($0) } ?? 1000
let reader = EditLineReader(historyFile: historyFile, completer: WordCompleter(), maxHistory: maxHistory)

loop: while true {
    switch reader.read(prompt: "harness> ") {
    case .line(":tty"):
        print("tty: \(terminalMode())")
    case .line(":spin"):
        print("spinning")
        fflush(stdout)
        let deadline = Date().addingTimeInterval(60)
        while !Interrupt.requested && Date() < deadline {
            usleep(10_000)
        }
        print(Interrupt.requested ? "stopped" : "timed out")
    case .line(let text):
        print("got: \(text)")
        reader.remember(text)
    case .interrupted:
        print("interrupted")
    case .endOfInput:
        print("eof")
        break loop
    }
    fflush(stdout)
}
reader.close()
