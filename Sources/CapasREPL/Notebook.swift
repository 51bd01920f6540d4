import CapasMessages

// Notebooks: Markdown files whose ```capas cells run in order. Running one
// writes each cell's output right below it in an ```output block, replacing
// the block a previous run left there (as `jupyter nbconvert --execute` does).

public struct Notebook {
    public struct Cell {
        /// The cell's text, without the fences.
        public var source: String
        /// 1-based line of the cell's first source line in the file.
        public var line: Int
        /// Index in `lines` of the opening and closing fences.
        var open: Int, close: Int
        /// The closing fence of an output block that follows the cell, if any.
        var outputClose: Int?
    }

    public let lines: [String]
    public let cells: [Cell]

    public init(text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var cells: [Cell] = []
        var i = 0
        while i < lines.count {
            if Notebook.fence(lines[i]) == "capas" {
                var j = i + 1
                while j < lines.count, Notebook.fence(lines[j]) != "" { j += 1 }
                let source = lines[(i + 1)..<min(j, lines.count)].joined(separator: "\n")
                var cell = Cell(source: source, line: i + 2, open: i, close: min(j, lines.count - 1))
                // An output block directly after (blank lines allowed).
                var k = j + 1
                while k < lines.count, lines[k].trimmingCharacters(in: .whitespaces).isEmpty { k += 1 }
                if k < lines.count, Notebook.fence(lines[k]) == "output" {
                    var m = k + 1
                    while m < lines.count, Notebook.fence(lines[m]) != "" { m += 1 }
                    cell.outputClose = min(m, lines.count - 1)
                }
                cells.append(cell)
                i = (cell.outputClose ?? j) + 1
            } else {
                i += 1
            }
        }
        self.cells = cells
    }

    /// The info string of a fence line (```capas → "capas", ``` → ""), or nil when the line is not a fence.
    static func fence(_ line: String) -> String? {
        let t = line.trimmingCharacters(in: .whitespaces)
        guard t.hasPrefix("```") else { return nil }
        return String(t.dropFirst(3)).trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// A cell's entries: its lines, joined while brackets or blocks are open.
    /// **Linear**: the bracket depth is carried from line to line, not recounted over the entry so far.
    static func entries(in source: String, interpreter: Interpreter) -> [String] {
        var entries: [String] = [], pending = "", depth = 0
        for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
            pending += pending.isEmpty ? String(line) : "\n" + line
            depth += Interpreter.bracketDepthChange(line)
            if depth <= 0 {
                entries.append(pending)
                pending = ""
                depth = 0
            }
        }
        if !pending.isEmpty { entries.append(pending) }
        return entries
    }

    public struct Failure: Error {
        public let line: Int
        public let message: String
        /// The message names the line and column itself (`error at line 7, column 13: …`).
        public var isPlaced = false
    }

    /// Runs every cell; returns the notebook with outputs and the failures
    /// (the run stops at the first one unless `keepGoing`).
    public func run(with interpreter: Interpreter, keepGoing: Bool) -> (text: String, failures: [Failure]) {
        var out: [String] = [], failures: [Failure] = []
        var next = 0
        var stopped = false
        let previousBudget = interpreter.calculatorBudget
        interpreter.calculatorBudget = previousBudget ?? CalculatorBudget.notebook()
        defer { interpreter.entryLine = 1; interpreter.calculatorBudget = previousBudget }
        for cell in cells {
            out += lines[next...cell.close]
            next = (cell.outputClose ?? cell.close) + 1
            if stopped { continue }
            var outputs: [String] = []
            var lineOffset = 0
            for entry in Notebook.entries(in: cell.source, interpreter: interpreter) {
                let line = cell.line + lineOffset
                interpreter.entryLine = line
                let reply = interpreter.execute(entry)
                if !reply.text.isEmpty { outputs.append(reply.text) }
                if reply.isError {
                    failures.append(Failure(line: line, message: reply.text, isPlaced: reply.isPlaced))
                    if !keepGoing { stopped = true; break }
                }
                if reply.quit { stopped = true; break }
                lineOffset += entry.split(separator: "\n", omittingEmptySubsequences: false).count
            }
            if !outputs.isEmpty {
                out += ["", "```output"] + outputs.joined(separator: "\n").split(separator: "\n", omittingEmptySubsequences: false).map(String.init) + ["```"]
            }
        }
        if next < lines.count { out += lines[next...] }
        return (out.joined(separator: "\n"), failures)
    }

    /// A session as a notebook: each entry a cell, its reply below it.
    public static func render(transcript: [(entry: String, reply: String)], language L: Language) -> String {
        var out = [L.pick(es: "# Sesión de capas", en: "# capas session"), ""]
        for (entry, reply) in transcript {
            out += ["```capas", entry, "```"]
            if !reply.isEmpty { out += ["", "```output", reply, "```"] }
            out.append("")
        }
        return out.joined(separator: "\n")
    }
}

extension Interpreter {
    /// What `:save FILE.md` keeps of a reply: never an escape code. A colour
    /// picture is drawn again in its plain-text form (`:show` and `:filters`
    /// only draw; a calculation that drew an image is evaluated again).
    func notebookText(of entry: String, reply: String) -> String {
        guard reply.unicodeScalars.contains("\u{1B}") else { return reply }
        guard pictureStyle != .plain else { return strippingANSI(reply) }
        let style = pictureStyle
        pictureStyle = .plain
        defer { pictureStyle = style }
        let word = entry.split(separator: " ").first.map { $0.lowercased() } ?? ""
        if [":show", ":muestra", ":filters", ":filtros"].contains(word), let plain = try? command(entry), !plain.isError {
            return strippingANSI(plain.text)
        }
        if !entry.hasPrefix(":"), !isModelLine(entry), let plain = try? calculate(entry) {
            return strippingANSI(plain)
        }
        return strippingANSI(reply)
    }
}
