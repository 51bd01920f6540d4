import CapasMessages
import Foundation

// `capas run NOTEBOOK.ipynb`: the capas cells run in order in one session and
// their outputs replace the old ones, as `jupyter nbconvert --execute --inplace`
// does with the capas kernel: text as `stream`, a calculation that ends a cell
// as `execute_result`, pictures as `display_data` with image/png, an error as
// an `error` output (ename, evalue, traceback). What `:train` reports while it
// runs is one `display_data` holding its final text (the kernel updates that
// display in place; nbconvert stores its last state).

extension JupyterNotebook {
    public struct Failure: Sendable {
        /// 1-based number of the cell in the notebook, and of the line in the cell.
        public let cell: Int, line: Int
        public let message: String
        /// The message names the line and column itself.
        public var isPlaced = false
    }

    /// The number of capas cells.
    public var capasCellCount: Int { cells.filter(isCapasCell).count }

    /// Runs every capas cell; the run stops at the first error unless `keepGoing`.
    /// Cells after a stop keep their old outputs (as nbconvert leaves them).
    public mutating func run(with interpreter: Interpreter, keepGoing: Bool) -> [Failure] {
        let L = interpreter.language
        let pictures = PictureSink()
        let previousStyle = interpreter.pictureStyle, previousBudget = interpreter.calculatorBudget
        interpreter.pictureStyle = .pixels(pictures)
        interpreter.calculatorBudget = previousBudget ?? CalculatorBudget.notebook()
        let previousProgress = interpreter.progress, previousTerminal = interpreter.progressIsTerminal
        let reported = ProgressText()
        interpreter.progress = { reported.text += $0 }
        interpreter.progressIsTerminal = false
        defer {
            interpreter.pictureStyle = previousStyle; interpreter.calculatorBudget = previousBudget; interpreter.entryLine = 1
            interpreter.progress = previousProgress; interpreter.progressIsTerminal = previousTerminal
        }
        var failures: [Failure] = [], count = 0
        cellLoop: for index in cells.indices where isCapasCell(cells[index]) {
            count += 1
            var outputs: [[String: Any]] = []
            let cell = cells[index]
            // A first line `%%capas` is not capas text: lines are counted in the cell as Jupyter shows it.
            let skipped = cell.body == cell.source ? 0 : 1
            let entries = interpreter.entries(of: cell.body)
            var stop = false
            for (k, entry) in entries.enumerated() {
                interpreter.entryLine = entry.line + skipped
                let kind = interpreter.kind(of: entry.text)
                let reply = interpreter.execute(entry.text)
                let images = pictures.take()
                if !reported.text.isEmpty {
                    let text = reported.text.hasSuffix("\n") ? String(reported.text.dropLast()) : reported.text
                    outputs.append(["output_type": "display_data", "data": ["text/plain": Self.lines(text)], "metadata": [String: Any]()])
                    reported.text = ""
                }
                if reply.isError {
                    var lines = reply.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                    if !reply.isPlaced, cell.body.contains("\n") {
                        lines[0] = L.pick(es: "línea \(entry.line + skipped) de la celda: ", en: "cell line \(entry.line + skipped): ") + lines[0]
                    }
                    var value = lines.first ?? reply.text
                    if value.hasPrefix("error: ") { value.removeFirst("error: ".count) }
                    outputs.append(["output_type": "error", "ename": "error", "evalue": value, "traceback": lines])
                    failures.append(Failure(cell: index + 1, line: entry.line + skipped, message: reply.text, isPlaced: reply.isPlaced))
                    if !keepGoing { stop = true }
                    break
                }
                let text = reply.text.trimmingCharacters(in: .newlines)
                if !text.isEmpty {
                    let isLast = entries[(k + 1)...].allSatisfy { interpreter.kind(of: $0.text) == .empty }
                    let isResult = kind == .calculation && isLast && images.isEmpty
                    if let html = reply.html {
                        // A table (a matrix, :summary) as text and HTML, as the capas kernel sends it.
                        let data: [String: Any] = ["text/plain": Self.lines(text), "text/html": Self.lines(html)]
                        outputs.append(isResult ? ["output_type": "execute_result", "execution_count": count, "data": data,
                                                   "metadata": [String: Any]()]
                                                : ["output_type": "display_data", "data": data, "metadata": [String: Any]()])
                    } else if isResult {
                        outputs.append(["output_type": "execute_result", "execution_count": count,
                                        "data": ["text/plain": Self.lines(text)], "metadata": [String: Any]()])
                    } else {
                        // One stream output an entry, as the capas kernel sends them and nbconvert stores them.
                        outputs.append(Self.stream(text))
                    }
                }
                for image in images {
                    var data: [String: Any] = ["image/png": Data(image.bytes).base64EncodedString(), "text/plain": [image.alt(L)]]
                    if let svg = image.svg { data["image/svg+xml"] = Self.lines(svg) }
                    outputs.append(["output_type": "display_data", "data": data,
                                    "metadata": ["image/png": ["width": image.width, "height": image.height]]])
                }
                if reply.quit { stop = true; break }
            }
            cells[index].outputs = outputs
            cells[index].executionCount = count
            if stop { break cellLoop }
        }
        return failures
    }

    /// A session as a notebook: each entry a cell, its reply as its output.
    public static func render(transcript: [(entry: String, reply: String)], language L: Language) -> JupyterNotebook {
        JupyterNotebook(markdown: Notebook.render(transcript: transcript, language: L))
    }
}

/// What the cell's entry reported while it ran (`Interpreter.progress`).
private final class ProgressText { var text = "" }

extension Interpreter {
    /// `:load x.ipynb`: runs the notebook's capas cells in this session; the first error stops it and names the cell.
    func loadJupyter(_ data: Data, path: String) throws -> String {
        let book: JupyterNotebook
        do { book = try JupyterNotebook(data: data) } catch let error as NotebookFormatError {
            throw CommandError(es: "\(path): \(error.es)", en: "\(path): \(error.en)")
        }
        var outputs: [String] = []
        let previousBudget = calculatorBudget
        calculatorBudget = previousBudget ?? CalculatorBudget.notebook()
        defer { calculatorBudget = previousBudget }
        var count = 0
        for (index, cell) in book.cells.enumerated() where book.isCapasCell(cell) {
            count += 1
            for entry in entries(of: cell.body) {
                let reply = execute(entry.text)
                if reply.isError {
                    throw CommandError(es: "\(path), celda \(index + 1): \(reply.text)", en: "\(path), cell \(index + 1): \(reply.text)")
                }
                if !reply.text.isEmpty { outputs.append(reply.text) }
            }
        }
        return outputs.joined(separator: "\n") + "\n" + L.pick(es: "(\(count) celdas de \(path))", en: "(\(count) cells from \(path))")
    }
}
