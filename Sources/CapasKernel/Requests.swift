import CapasLineEditing
import CapasMessages
import CapasREPL
import Foundation

extension Kernel {
    // MARK: execute

    /// Runs a cell entry by entry, as the REPL would, publishing each entry's outputs when it ends.
    func execute(_ request: Message) -> [String: Any] {
        let code = request.content["code"] as? String ?? ""
        let silent = request.content["silent"] as? Bool ?? false
        let store = (request.content["store_history"] as? Bool ?? true) && !silent
        if store { executionCount += 1; history.append((executionCount, code)) }
        let count = executionCount
        if !silent { publish("execute_input", ["code": code, "execution_count": count], parent: request) }
        flags.interrupt = false
        Interrupt.clear()
        // :train reports while it runs in one display that is updated in place (a bar redrawn, a line per epoch).
        let display = ProgressDisplay { [self] type, content in
            if !silent { publish(type, content, parent: request) }
        }
        interpreter.progress = { display.write($0) }
        interpreter.progressIsTerminal = true
        defer { interpreter.progress = nil; interpreter.progressIsTerminal = false; interpreter.entryLine = 1 }
        let outcome = run(cell: code, entryEnded: { display.finish() }, emit: { [self] output in
            guard !silent else { return }
            switch output {
            case let .text(text): publish("stream", ["name": "stdout", "text": text + "\n"], parent: request)
            case let .result(text):
                publish("execute_result", ["execution_count": count, "data": ["text/plain": text], "metadata": [String: Any]()],
                        parent: request)
            case let .table(text, html, isResult):
                let data = ["text/plain": text, "text/html": html]
                if isResult {
                    publish("execute_result", ["execution_count": count, "data": data, "metadata": [String: Any]()], parent: request)
                } else {
                    publish("display_data", ["data": data, "metadata": [String: Any](), "transient": [String: Any]()], parent: request)
                }
            case let .image(image, alt):
                var data = ["image/png": Data(image.bytes).base64EncodedString(), "text/plain": alt]
                if let svg = image.svg { data["image/svg+xml"] = svg }
                publish("display_data", ["data": data, "metadata": ["image/png": ["width": image.width, "height": image.height]],
                                         "transient": [String: Any]()], parent: request)
            }
        })
        if let failure = outcome.error {
            let error: [String: Any] = ["ename": failure.name, "evalue": failure.value, "traceback": failure.traceback]
            if !silent { publish("error", error, parent: request) }
            return error.merging(["status": "error", "execution_count": count]) { a, _ in a }
        }
        return ["status": "ok", "execution_count": count, "user_expressions": [String: Any](), "payload": [Any]()]
    }

    /// A table (a matrix, `:summary`) comes as text and HTML: Out[n] when it is the cell's result, else a display.
    enum Output { case text(String), result(String), table(String, html: String, isResult: Bool), image(PNGImage, alt: String) }
    struct Failure { var name: String, value: String, traceback: [String] }

    /// Every entry of a cell in turn; the first error (or an interrupt) stops the cell.
    /// A calculation that is the cell's last entry is its result (Out[n]); other text is printed.
    /// `entryEnded` is called when each entry has run, before its outputs go to `emit`.
    func run(cell code: String, entryEnded: () -> Void = {}, emit: (Output) -> Void = { _ in }) -> (outputs: [Output], error: Failure?) {
        var outputs: [Output] = []
        func add(_ output: Output) { outputs.append(output); emit(output) }
        let entries = interpreter.entries(of: code)
        let multiline = code.contains("\n")
        for (index, entry) in entries.enumerated() {
            interpreter.entryLine = entry.line
            let kind = interpreter.kind(of: entry.text)
            let reply = interpreter.execute(entry.text)
            let images = pictures.take()
            entryEnded()
            if reply.isError {
                var lines = reply.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                // A model error names its line and column itself; a calculation's error shows a caret under the entry:
                // in a cell of several lines, it also says which line.
                if multiline && !reply.isPlaced {
                    lines[0] = L.pick(es: "línea \(entry.line) de la celda: ", en: "cell line \(entry.line): ") + lines[0]
                }
                var value = reply.text.split(separator: "\n").first.map(String.init) ?? reply.text
                if value.hasPrefix("error: ") { value.removeFirst("error: ".count) }
                return (outputs, Failure(name: "error", value: value, traceback: lines))
            }
            let text = reply.text.trimmingCharacters(in: .newlines)
            if !text.isEmpty {
                let isLast = entries[(index + 1)...].allSatisfy { interpreter.kind(of: $0.text) == .empty }
                let isResult = kind == .calculation && isLast && images.isEmpty
                if let html = reply.html {
                    add(.table(text, html: html, isResult: isResult))
                } else {
                    add(isResult ? .result(text) : .text(text))
                }
            }
            for image in images {
                add(.image(image, alt: image.alt(L)))
            }
            if interpreter.interruptRequested() {
                let rest = entries.count - index - 1
                let value = L.pick(es: "interrumpido", en: "interrupted")
                    + (rest == 0 ? "" : L.pick(es: ": \(rest) \(rest == 1 ? "entrada no se ejecutó" : "entradas no se ejecutaron")",
                                               en: ": \(rest) \(rest == 1 ? "entry was" : "entries were") not run"))
                return (outputs, Failure(name: "interrupt", value: value, traceback: [value]))
            }
            if reply.quit { break }
        }
        return (outputs, nil)
    }

    // MARK: completion, inspection

    /// The code before the cursor; `cursor_pos` counts Unicode code points (protocol 5.2 and later).
    static func prefix(_ code: String, cursor: Int?) -> String {
        let scalars = code.unicodeScalars
        let n = max(0, min(cursor ?? scalars.count, scalars.count))
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars.prefix(n))
        return String(view)
    }

    func complete(_ content: [String: Any]) -> [String: Any] {
        let code = content["code"] as? String ?? ""
        let before = Kernel.prefix(code, cursor: content["cursor_pos"] as? Int)
        let lineStart = before.lastIndex(of: "\n").map { before.index(after: $0) } ?? before.startIndex
        let line = String(before[lineStart...])
        let (wordStart, candidates) = interpreter.completions(lineBeforeCursor: line)
        let cursor = before.unicodeScalars.count
        let start = before[..<lineStart].unicodeScalars.count + String(line.prefix(wordStart)).unicodeScalars.count
        return ["status": "ok", "matches": candidates, "cursor_start": start, "cursor_end": cursor,
                "metadata": [String: Any]()]
    }

    /// The word the cursor is in or just after (`conv`, `:train`, `stride`).
    static func word(in code: String, cursor: Int?) -> String {
        let scalars = Array(code.unicodeScalars)
        let n = max(0, min(cursor ?? scalars.count, scalars.count))
        func text(_ part: ArraySlice<Unicode.Scalar>) -> [Character] {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: part)
            return Array(String(view))
        }
        let before = text(scalars[..<n]), after = text(scalars[n...])
        func part(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "-" }
        var start = before.count
        while start > 0, part(before[start - 1]) { start -= 1 }
        if start > 0, before[start - 1] == ":" { start -= 1 }
        var end = 0
        while end < after.count, part(after[end]) { end += 1 }
        return String(before[start...]) + String(after[..<end])
    }

    func inspect(_ content: [String: Any]) -> [String: Any] {
        let word = Kernel.word(in: content["code"] as? String ?? "", cursor: content["cursor_pos"] as? Int)
        guard let text = interpreter.help(for: word) else {
            return ["status": "ok", "found": false, "data": [String: Any](), "metadata": [String: Any]()]
        }
        return ["status": "ok", "found": true, "data": ["text/plain": text], "metadata": [String: Any]()]
    }

    func isComplete(_ content: [String: Any]) -> [String: Any] {
        let code = content["code"] as? String ?? ""
        switch interpreter.completeness(of: code) {
        case .complete: return ["status": "complete"]
        case .incomplete: return ["status": "incomplete", "indent": "  "]
        case .invalid: return ["status": "invalid"]
        }
    }

    // MARK: history

    /// The cells of this session: `tail` gives the last `n`, `search` those matching a glob `pattern`, `range` those from `start` to `stop`.
    func historyReply(_ content: [String: Any]) -> [String: Any] {
        var cells = history
        switch content["hist_access_type"] as? String ?? "tail" {
        case "search":
            if let pattern = content["pattern"] as? String {
                cells = cells.filter { fnmatch(pattern, $0.1, 0) == 0 }
            }
            if content["unique"] as? Bool ?? false {
                var seen = Set<String>()
                cells = cells.reversed().filter { seen.insert($0.1).inserted }.reversed()
            }
            if let n = content["n"] as? Int, n > 0 { cells = Array(cells.suffix(n)) }
        case "tail":
            if let n = content["n"] as? Int, n >= 0 { cells = Array(cells.suffix(n)) }
        case "range":
            // Session 0 is this one; start and stop are execution counts, stop excluded.
            let start = content["start"] as? Int ?? 1, stop = content["stop"] as? Int ?? Int.max
            cells = cells.filter { $0.0 >= start && $0.0 < stop }
        default:
            break
        }
        let output = content["output"] as? Bool ?? false
        let entries: [[Any]] = cells.map { output ? [0, $0.0, [$0.1, NSNull()]] : [0, $0.0, $0.1] }
        return ["status": "ok", "history": entries]
    }
}
