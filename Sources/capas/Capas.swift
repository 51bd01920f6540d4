import ArgumentParser
import CapasCore
import CapasMessages
import Foundation

@main
struct Capas: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capas",
        abstract: "Learn convolutional networks: model language, training, grading. / Aprende redes convolucionales.",
        discussion: """
        Models are written one layer a line, sizes as height×width×channels:
          input 28x28x1
          conv 10 5x5 relu
          maxpool 2
          flatten
          dense 10
        Tensors are NCHW inside (PyTorch's convention).
        """,
        subcommands: [Repl.self, Run.self, Convert.self, Summary.self, Train.self, Sample.self, Evaluate.self, DataCommand.self, Bench.self,
                      Check.self, Grade.self, AssignCommand.self, AutograderCommand.self, KernelCommand.self])

    @OptionGroup var global: GlobalOptions

    /// Usage errors exit with 2 (as grep and most Unix tools do; the grader documents it).
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let path = SpanishHelp.helpRequest(arguments), SpanishHelp.wantsSpanish(arguments) {
            SpanishHelp.printAndExit(path: path)
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Glibc.exit(2)
            }
            exit(withError: error)
        }
    }

    /// No subcommand: the REPL.
    mutating func run() throws {
        try global.apply()
        if Session(language: Messages.language).run() { throw ExitCode(1) }
    }
}

/// Options every command shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Language of messages: es or en (default: from LANG).")
    var lang: String?

    @Option(name: .long, help: "Worker threads (default: every core this process may use).")
    var threads: Int?

    /// Applies the options to the process.
    func apply() throws {
        if let lang {
            guard let language = Language(code: lang) else {
                throw ValidationError("--lang must be es or en, not \(lang)")
            }
            Messages.language = language
        } else {
            Messages.language = .resolve()
        }
        if let threads {
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
            Parallel.threads = threads
        }
    }
}

/// Prints a learner-facing error in the chosen language and exits with `code`.
func fail(_ error: Error, code: Int32 = 1) -> Never {
    let text: String
    if let message = error as? LocalizedMessage { text = message.message(in: Messages.language) }
    else { text = String(describing: error) }
    FileHandle.standardError.write(Data(("capas: " + text + "\n").utf8))
    exit(code)
}

/// Runs a command body, turning capas' own errors into messages (ArgumentParser handles its own).
func guarded(_ body: () throws -> Void) throws {
    do { try body() } catch let error as LocalizedMessage { fail(error) }
}

func writeError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}

/// True when the stream is a terminal (progress bars, colour).
func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }
