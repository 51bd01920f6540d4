import ArgumentParser
import CapasMessages
import CapasLineEditing
import CapasREPL
import Foundation

/// `capas` with no arguments, or `capas repl`: the interactive session.
/// On a terminal it shows prompts; on a pipe it reads one entry a line,
/// prints only results (errors on standard error) and exits 1 if any failed.
struct Repl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl", abstract: "The interactive session (also `capas` with no arguments). / La sesión interactiva.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.apply()
        let failed = Session(language: Messages.language).run()
        if failed { throw ExitCode(1) }
    }
}

/// `capas run NOTEBOOK.md`: runs every ```capas cell and writes the outputs below them.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a notebook's capas cells and write their outputs into it. / Ejecuta un cuaderno.")

    @Argument(help: "The notebook (Markdown with ```capas cells, or a Jupyter .ipynb).")
    var notebook: String

    @Option(help: "Write the result here instead of over the notebook.")
    var out: String?

    @Flag(help: "Run the remaining cells after an error.")
    var keepGoing = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.apply()
        let L = Messages.language
        guard let data = FileManager.default.contents(atPath: notebook), let text = String(data: data, encoding: .utf8) else {
            writeError("capas: " + L.pick(es: "no se puede leer \(notebook) como texto UTF-8\n", en: "cannot read \(notebook) as UTF-8 text\n"))
            throw ExitCode(1)
        }
        if notebook.lowercased().hasSuffix(".ipynb") { return try runJupyter(data, language: L) }
        let book = Notebook(text: text)
        let (result, failures) = book.run(with: Interpreter(language: L), keepGoing: keepGoing)
        let target = out ?? notebook
        do {
            try Data(result.utf8).write(to: URL(fileURLWithPath: target), options: .atomic)
        } catch {
            writeError("capas: " + L.pick(es: "no se puede escribir \(target)\n", en: "cannot write \(target)\n"))
            throw ExitCode(1)
        }
        for failure in failures {
            // `nb.md: error at line 7, column 13: …` when the message places itself, `nb.md:7: error: …` otherwise.
            writeError(failure.isPlaced ? "\(notebook): \(failure.message)\n" : "\(notebook):\(failure.line): \(failure.message)\n")
        }
        let (cells, errors) = (book.cells.count, failures.count)
        print(L.pick(es: "\(cells) \(cells == 1 ? "celda ejecutada" : "celdas ejecutadas"), \(errors) con error → \(target)",
                     en: "\(cells) \(cells == 1 ? "cell" : "cells") run, \(errors) with \(errors == 1 ? "an error" : "errors") → \(target)"))
        if !failures.isEmpty { throw ExitCode(1) }
    }
}

extension Run {
    /// A Jupyter notebook: its capas cells run and their outputs are written into the .ipynb.
    func runJupyter(_ data: Data, language L: Language) throws {
        var book: JupyterNotebook
        do { book = try JupyterNotebook(data: data) } catch let error as NotebookFormatError {
            writeError("capas: \(notebook): \(error.message(in: L))\n")
            throw ExitCode(1)
        }
        let failures = book.run(with: Interpreter(language: L), keepGoing: keepGoing)
        let target = out ?? notebook
        do {
            try book.serialized().write(to: URL(fileURLWithPath: target), options: .atomic)
        } catch {
            writeError("capas: " + L.pick(es: "no se puede escribir \(target)\n", en: "cannot write \(target)\n"))
            throw ExitCode(1)
        }
        for failure in failures {
            let place = L.pick(es: "celda \(failure.cell), línea \(failure.line)", en: "cell \(failure.cell), line \(failure.line)")
            writeError("\(notebook): \(place): \(failure.message)\n")
        }
        let (cells, errors) = (book.capasCellCount, failures.count)
        print(L.pick(es: "\(cells) \(cells == 1 ? "celda ejecutada" : "celdas ejecutadas"), \(errors) con error → \(target)",
                     en: "\(cells) \(cells == 1 ? "cell" : "cells") run, \(errors) with \(errors == 1 ? "an error" : "errors") → \(target)"))
        if !failures.isEmpty { throw ExitCode(1) }
    }
}

/// `capas convert A.md B.ipynb` (or back): a notebook from one format to the other, nothing lost.
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert a notebook between Markdown (.md) and Jupyter (.ipynb). / Convierte un cuaderno entre Markdown y Jupyter.")

    @Argument(help: "The notebook to read (.md or .ipynb).")
    var source: String
    @Argument(help: "The notebook to write (.ipynb or .md).")
    var target: String

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.apply()
        let L = Messages.language
        let from = (source as NSString).pathExtension.lowercased(), to = (target as NSString).pathExtension.lowercased()
        guard [from, to].allSatisfy({ $0 == "md" || $0 == "ipynb" }), from != to else {
            writeError("capas: " + L.pick(es: "convert pasa de .md a .ipynb o de .ipynb a .md\n", en: "convert goes from .md to .ipynb or from .ipynb to .md\n"))
            throw ExitCode(2)
        }
        guard let data = FileManager.default.contents(atPath: source) else {
            writeError("capas: " + L.pick(es: "no se puede leer \(source)\n", en: "cannot read \(source)\n"))
            throw ExitCode(1)
        }
        let output: Data
        if from == "md" {
            guard data.count <= JupyterNotebook.maxBytes, let text = String(data: data, encoding: .utf8) else {
                writeError("capas: " + L.pick(es: "\(source) no es texto UTF-8 de hasta 8 MiB\n", en: "\(source) is not UTF-8 text of at most 8 MiB\n"))
                throw ExitCode(1)
            }
            output = JupyterNotebook(markdown: text).serialized()
        } else {
            do { output = Data(try JupyterNotebook(data: data).markdown().utf8) } catch let error as NotebookFormatError {
                writeError("capas: \(source): \(error.message(in: L))\n")
                throw ExitCode(1)
            }
        }
        do { try output.write(to: URL(fileURLWithPath: target), options: .atomic) } catch {
            writeError("capas: " + L.pick(es: "no se puede escribir \(target)\n", en: "cannot write \(target)\n"))
            throw ExitCode(1)
        }
    }
}

/// The read–eval–print loop. On a terminal it reads through libedit (history,
/// completion, Ctrl-C cancels the line); on a pipe, line by line.
final class Session {
    /// Lines an entry may span while a bracket or block stays open.
    static let maxEntryLines = 1000
    let interpreter: Interpreter
    init(language: Language) { interpreter = Interpreter(language: language) }

    /// Hands the interpreter's completions to the line editor.
    final class Completion: Completer {
        let interpreter: Interpreter
        init(_ interpreter: Interpreter) { self.interpreter = interpreter }
        func completions(lineBeforeCursor: String) -> (wordStart: Int, candidates: [String]) {
            interpreter.completions(lineBeforeCursor: lineBeforeCursor)
        }
    }

    /// Runs until end of input or :quit; returns true if any entry failed in a
    /// script (a pipe). An interactive session always ends well: its errors
    /// were seen and answered at the prompt.
    func run() -> Bool {
        let interactive = Terminal.isTerminal(0) && Terminal.isTerminal(1)
        interpreter.pictureStyle = PictureStyle.choose(outputIsTerminal: Terminal.isTerminal(1),
                                                       environment: ProcessInfo.processInfo.environment)
        // On a terminal replies are fitted to its width (words wrap, tables narrow); a pipe gets them unchanged.
        let outputIsTerminal = Terminal.isTerminal(1), errorIsTerminal = Terminal.isTerminal(2)
        if outputIsTerminal { interpreter.columns = Terminal.columns }
        // :train reports while it runs on a terminal (a redrawn bar and a line per epoch); in a pipe its reply holds the lines.
        if interactive {
            interpreter.progress = { text in fputs(text, stdout); fflush(stdout) }
            interpreter.progressIsTerminal = true
        }
        // Ctrl-C while a command runs only sets the flag (the handler is installed below): :train stops and keeps its weights.
        interpreter.interruptRequested = { Interrupt.requested }
        let completion = Completion(interpreter)
        let reader = makeLineReader(historyFile: defaultHistoryFile(environment: ProcessInfo.processInfo.environment),
                                    completer: completion, maxHistory: 1000)
        Interrupt.install()
        if interactive {
            print(TerminalFit.fit(interpreter.language.pick(
                es: "capas — escribe capas (input 28x28x1, conv 10 5x5…), cálculos o :help. Ctrl-C cancela la línea, Ctrl-D sale.",
                en: "capas — type layers (input 28x28x1, conv 10 5x5…), calculations or :help. Ctrl-C cancels the line, Ctrl-D exits."), width: Terminal.columns))
        }
        var failed = false
        var pending = ""
        var depth = 0, pendingLines = 0
        loop: while true {
            switch reader.read(prompt: pending.isEmpty ? "capas> " : "  ...> ") {
            case .endOfInput:
                break loop
            case .interrupted:
                pending = ""
                depth = 0; pendingLines = 0
                continue
            case let .line(line):
                pending += pending.isEmpty ? line : "\n" + line
                depth += interpreter.bracketDepth(of: line)
                pendingLines += 1
            }
            if depth > 0 {
                // A bracket never closed would swallow the rest of a script into one entry.
                guard pendingLines >= Session.maxEntryLines else { continue }
                failed = true
                writeError(interpreter.language.pick(
                    es: "error: la entrada sigue abierta después de \(Session.maxEntryLines) líneas: un corchete o bloque nunca se cerró; se descarta\n",
                    en: "error: the entry is still open after \(Session.maxEntryLines) lines: a bracket or block was never closed; it is dropped\n"))
                pending = ""
                depth = 0; pendingLines = 0
                continue
            }
            depth = 0; pendingLines = 0
            let entry = pending
            pending = ""
            reader.remember(entry)
            // The width is read again for every entry: the window may have been resized.
            let width = outputIsTerminal ? Terminal.columns : 0
            if outputIsTerminal { interpreter.columns = width }
            let reply = interpreter.execute(entry)
            if reply.quit { break }
            if reply.isError {
                failed = true
                writeError((errorIsTerminal ? TerminalFit.fit(reply.text, width: Terminal.columns) : reply.text) + "\n")
            } else if !reply.text.isEmpty {
                print(outputIsTerminal ? TerminalFit.fit(reply.text, width: width) : reply.text)
            }
            fflush(stdout)
        }
        if !pending.isEmpty {
            failed = true
            writeError(interpreter.language.pick(es: "error: la entrada terminó con un corchete o bloque sin cerrar\n",
                                                 en: "error: input ended with an unclosed bracket or block\n"))
        }
        return failed && !interactive
    }
}
