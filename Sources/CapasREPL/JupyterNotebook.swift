import CapasMessages
import Foundation

// Jupyter notebooks (.ipynb, nbformat 4.5), read and written without Jupyter.
//
// Which cells are capas cells:
// - in a notebook whose kernel language is capas (`metadata.kernelspec.language`
//   or `metadata.language_info.name` is `capas`), every code cell;
// - in any other notebook (a Python one, say), the code cells marked with
//   metadata `{"capas": true}`, with the tag `capas`, or whose first line is `%%capas`.
// A first line `%%capas` is never part of the capas text.
//
// Answer cells (what `capas check` and `capas grade` read, as ```answer blocks
// in Markdown): raw or code cells with metadata `{"capas_answer": true}` or
// whose first line is `%%answer`. They are never run. Handouts write raw cells
// with the metadata, so that Jupyter neither runs nor reformats them.
//
// Converting from Markdown and back loses nothing: the blank lines between
// blocks, when they are not the usual one, and unusual fences are kept in a
// cell's metadata `capas_markdown`; a cell's id and metadata that Markdown
// cannot hold go in a comment line `<!-- capas-cell {…} -->` before the cell.

/// Why a file is not a notebook capas can read, with the place.
public struct NotebookFormatError: Error, Equatable, Sendable {
    public let es: String, en: String
    public init(es: String, en: String) { self.es = es; self.en = en }
    public func message(in language: Language) -> String { language.pick(es: es, en: en) }
}

public struct JupyterNotebook {
    /// The largest notebook read (a notebook full of pictures is a few MiB).
    public static let maxBytes = 8 << 20
    /// The deepest nesting of JSON arrays and objects read (a notebook needs fewer than 10).
    public static let maxDepth = 64
    public static let maxCells = 20_000

    public enum CellType: String, Sendable { case code, markdown, raw }

    public struct Cell {
        public var id: String
        public var type: CellType
        /// The text, lines joined with "\n".
        public var source: String
        public var metadata: [String: Any] = [:]
        /// Code cells: their outputs as nbformat JSON objects.
        public var outputs: [[String: Any]] = []
        public var executionCount: Int?
        /// Markdown and raw cells: attachments, kept as they are.
        public var attachments: [String: Any]?

        public init(id: String, type: CellType, source: String, metadata: [String: Any] = [:]) {
            self.id = id; self.type = type; self.source = source; self.metadata = metadata
        }

        /// The first line, trimmed.
        var firstLine: String {
            String(source.prefix(while: { $0 != "\n" })).trimmingCharacters(in: .whitespaces)
        }
        var tags: [String] { metadata["tags"] as? [String] ?? [] }

        /// An answer cell (never run; read by the grader).
        public var isAnswer: Bool {
            (type == .code || type == .raw) && (metadata["capas_answer"] as? Bool == true || firstLine == "%%answer")
        }

        /// The text without a first line `%%capas` or `%%answer`.
        public var body: String {
            guard firstLine == "%%capas" || firstLine == "%%answer" else { return source }
            guard let newline = source.firstIndex(of: "\n") else { return "" }
            return String(source[source.index(after: newline)...])
        }
    }

    public var cells: [Cell]
    public var metadata: [String: Any]
    public var nbformatMinor = 5

    /// The metadata of a capas notebook.
    public static var capasMetadata: [String: Any] {
        ["kernelspec": ["name": "capas", "display_name": "capas", "language": "capas"],
         "language_info": ["name": "capas", "file_extension": ".capas", "mimetype": "text/x-capas"]]
    }

    public init(cells: [Cell] = [], metadata: [String: Any] = JupyterNotebook.capasMetadata) {
        self.cells = cells; self.metadata = metadata
    }

    /// Whether the notebook's kernel language is capas: then every code cell is a capas cell.
    public var isCapasNotebook: Bool {
        let kernel = metadata["kernelspec"] as? [String: Any], info = metadata["language_info"] as? [String: Any]
        return (kernel?["language"] as? String)?.lowercased() == "capas" || (info?["name"] as? String)?.lowercased() == "capas"
            || (kernel?["name"] as? String)?.lowercased() == "capas"
    }

    public func isCapasCell(_ cell: Cell) -> Bool {
        guard cell.type == .code, !cell.isAnswer else { return false }
        return isCapasNotebook || cell.metadata["capas"] as? Bool == true || cell.tags.contains("capas") || cell.firstLine == "%%capas"
    }

    // MARK: reading

    public init(data: Data) throws {
        func fail(_ es: String, _ en: String) -> NotebookFormatError { NotebookFormatError(es: es, en: en) }
        guard data.count <= Self.maxBytes else {
            throw fail("el cuaderno ocupa \(data.count) bytes; capas lee cuadernos de hasta \(Self.maxBytes) (8 MiB): borra salidas grandes",
                       "the notebook is \(data.count) bytes; capas reads notebooks of up to \(Self.maxBytes) (8 MiB): clear large outputs")
        }
        if let depth = Self.nesting(exceeding: Self.maxDepth, in: data) {
            throw fail("el JSON anida más de \(Self.maxDepth) niveles (byte \(depth)); un cuaderno no necesita tantos",
                       "the JSON nests more than \(Self.maxDepth) levels (byte \(depth)); a notebook needs far fewer")
        }
        let top: Any
        do { top = try JSONSerialization.jsonObject(with: data, options: []) } catch {
            throw fail("no es JSON válido: un .ipynb es un documento JSON (¿está cortado?)",
                       "not valid JSON: an .ipynb is a JSON document (is it cut short?)")
        }
        guard let object = top as? [String: Any] else {
            throw fail("no es un cuaderno: el JSON debe ser un objeto con `cells`", "not a notebook: the JSON must be an object with `cells`")
        }
        guard let major = object["nbformat"] as? Int else {
            throw fail("falta `nbformat` (debe ser 4)", "`nbformat` is missing (it must be 4)")
        }
        guard major == 4 else {
            throw fail("nbformat \(major) no se admite; capas lee nbformat 4 (`jupyter nbconvert --to notebook` lo convierte)",
                       "nbformat \(major) is not supported; capas reads nbformat 4 (`jupyter nbconvert --to notebook` converts it)")
        }
        nbformatMinor = object["nbformat_minor"] as? Int ?? 5
        guard let meta = object["metadata"] ?? [String: Any]() as Any?, let metaObject = meta as? [String: Any] else {
            throw fail("`metadata` debe ser un objeto", "`metadata` must be an object")
        }
        metadata = metaObject
        guard let list = object["cells"] as? [Any] else {
            throw fail("falta la lista `cells`", "the `cells` list is missing")
        }
        guard list.count <= Self.maxCells else {
            throw fail("tiene \(list.count) celdas; capas lee cuadernos de hasta \(Self.maxCells)",
                       "it has \(list.count) cells; capas reads notebooks of up to \(Self.maxCells)")
        }
        cells = []
        var seen = Set<String>()
        for (index, item) in list.enumerated() {
            let n = index + 1
            guard let raw = item as? [String: Any] else {
                throw fail("celda \(n): no es un objeto JSON", "cell \(n): not a JSON object")
            }
            guard let typeName = raw["cell_type"] as? String, let type = CellType(rawValue: typeName) else {
                throw fail("celda \(n): `cell_type` debe ser \"code\", \"markdown\" o \"raw\"",
                           "cell \(n): `cell_type` must be \"code\", \"markdown\" or \"raw\"")
            }
            let source: String
            if let text = raw["source"] as? String {
                source = text
            } else if let parts = raw["source"] as? [Any] {
                var text = ""
                for part in parts {
                    guard let piece = part as? String else {
                        throw fail("celda \(n): `source` debe ser texto o una lista de textos", "cell \(n): `source` must be a string or a list of strings")
                    }
                    text += piece
                }
                source = text
            } else {
                throw fail("celda \(n): falta `source` (texto o lista de textos)", "cell \(n): `source` is missing (a string or a list of strings)")
            }
            var id = raw["id"] as? String ?? Self.defaultID(index)
            if raw["id"] != nil && !(raw["id"] is String) || !Self.isValidID(id) {
                throw fail("celda \(n): `id` debe tener de 1 a 64 letras, cifras, `-` o `_`",
                           "cell \(n): `id` must be 1 to 64 letters, digits, `-` or `_`")
            }
            if !seen.insert(id).inserted {
                if raw["id"] != nil {
                    throw fail("celda \(n): el id `\(id)` se repite", "cell \(n): the id `\(id)` is used twice")
                }
                var k = index + 1
                while seen.contains("\(id)-\(k)") { k += 1 }
                id = "\(id)-\(k)"; seen.insert(id)
            }
            var cell = Cell(id: id, type: type, source: source)
            if let m = raw["metadata"] {
                guard let m = m as? [String: Any] else {
                    throw fail("celda \(n): `metadata` debe ser un objeto", "cell \(n): `metadata` must be an object")
                }
                cell.metadata = m
            }
            if type == .code {
                if let outs = raw["outputs"] {
                    guard let outs = outs as? [Any] else {
                        throw fail("celda \(n): `outputs` debe ser una lista", "cell \(n): `outputs` must be a list")
                    }
                    for (k, out) in outs.enumerated() {
                        guard let out = out as? [String: Any], let kind = out["output_type"] as? String,
                              ["stream", "execute_result", "display_data", "error"].contains(kind) else {
                            throw fail("celda \(n), salida \(k + 1): `output_type` debe ser stream, execute_result, display_data o error",
                                       "cell \(n), output \(k + 1): `output_type` must be stream, execute_result, display_data or error")
                        }
                        cell.outputs.append(out)
                    }
                }
                if let count = raw["execution_count"], !(count is NSNull) {
                    guard let count = count as? Int else {
                        throw fail("celda \(n): `execution_count` debe ser un entero o null", "cell \(n): `execution_count` must be an integer or null")
                    }
                    cell.executionCount = count
                }
            } else if let attachments = raw["attachments"] as? [String: Any] {
                cell.attachments = attachments
            }
            cells.append(cell)
        }
    }

    /// The byte offset where nesting first goes deeper than `limit`, or nil. Strings are skipped.
    static func nesting(exceeding limit: Int, in data: Data) -> Int? {
        var depth = 0, inString = false, escaped = false
        for (offset, byte) in data.enumerated() {
            if inString {
                if escaped { escaped = false } else if byte == 0x5C { escaped = true } else if byte == 0x22 { inString = false }
                continue
            }
            switch byte {
            case 0x22: inString = true
            case 0x5B, 0x7B:
                depth += 1
                if depth > limit { return offset }
            case 0x5D, 0x7D: depth -= 1
            default: break
            }
        }
        return nil
    }

    static func defaultID(_ index: Int) -> String { "cell-\(index + 1)" }

    static func isValidID(_ id: String) -> Bool {
        (1...64).contains(id.utf8.count) && id.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F
        }
    }

    // MARK: writing

    /// Text as nbformat writes it: a list of lines, each but the last ending in "\n".
    static func lines(_ text: String) -> [String] {
        var out: [String] = [], current = ""
        for c in text {
            current.append(c)
            if c == "\n" { out.append(current); current = "" }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    public var jsonObject: [String: Any] {
        let list: [[String: Any]] = cells.map { cell in
            var raw: [String: Any] = ["id": cell.id, "cell_type": cell.type.rawValue, "metadata": cell.metadata,
                                      "source": Self.lines(cell.source)]
            if cell.type == .code {
                raw["outputs"] = cell.outputs
                raw["execution_count"] = cell.executionCount.map { $0 as Any } ?? NSNull()
            } else if let attachments = cell.attachments {
                raw["attachments"] = attachments
            }
            return raw
        }
        return ["cells": list, "metadata": metadata, "nbformat": 4, "nbformat_minor": max(nbformatMinor, 5)]
    }

    /// The notebook as JSON, keys sorted, one-space indent (as Jupyter writes it), ending in a newline.
    public func serialized() -> Data {
        var options: JSONSerialization.WritingOptions = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        options.insert(.fragmentsAllowed)
        let data = (try? JSONSerialization.data(withJSONObject: jsonObject, options: options)) ?? Data("{}".utf8)
        return data + Data("\n".utf8)
    }

    // MARK: outputs

    /// The text of a code cell's outputs, as a Markdown ```output block holds it.
    public static func text(of outputs: [[String: Any]]) -> String {
        func joined(_ value: Any?) -> String? {
            if let s = value as? String { return s }
            if let parts = value as? [String] { return parts.joined() }
            return nil
        }
        var parts: [String] = []
        for out in outputs {
            var piece: String?
            switch out["output_type"] as? String {
            case "stream": piece = joined(out["text"])
            case "execute_result", "display_data": piece = joined((out["data"] as? [String: Any])?["text/plain"])
            case "error": piece = (out["traceback"] as? [String])?.joined(separator: "\n")
            default: break
            }
            if var piece, !piece.isEmpty {
                if piece.hasSuffix("\n") { piece.removeLast() }
                parts.append(piece)
            }
        }
        return parts.joined(separator: "\n")
    }

    static func stream(_ text: String) -> [String: Any] {
        ["output_type": "stream", "name": "stdout", "text": lines(text.hasSuffix("\n") ? text : text + "\n")]
    }
}

// MARK: Markdown

extension JupyterNotebook {
    static let layoutKey = "capas_markdown"
    static let commentPrefix = "<!-- capas-cell "
    static let notebookPrefix = "<!-- capas-notebook "

    /// The JSON of a `capas-cell` or `capas-notebook` comment, when it is JSON nested at most `maxDepth` levels.
    static func comment(_ text: Substring) -> Any? {
        let data = Data(text.utf8)
        guard nesting(exceeding: maxDepth, in: data) == nil else { return nil }
        return try? JSONSerialization.jsonObject(with: data)
    }

    /// Blank lines kept in a notebook's metadata: read from a file, so only a sensible count is used (else `usual`).
    static func gap(_ value: Any?, _ usual: Int) -> Int {
        guard let n = value as? Int, (0...10_000).contains(n) else { return usual }
        return n
    }

    /// A fence line kept in a notebook's metadata, used only when it is one line and the fence it must be.
    static func fence(_ value: Any?, _ infos: [String]) -> String? {
        guard let line = value as? String, !line.contains("\n"), !line.contains("\r"), let info = Notebook.fence(line),
              infos.contains(info) else { return nil }
        return line
    }

    /// A Markdown notebook as a Jupyter one: prose between blocks becomes Markdown
    /// cells, ```capas blocks code cells (their ```output blocks, outputs), ```answer blocks raw answer cells.
    public init(markdown text: String) {
        self.init()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var blank = 0, prose: [String] = [], proseBlank = 0
        var pending: [String: Any]? = nil
        var result: [Cell] = []
        func add(_ cell: Cell, before: Int, layout: [String: Any]) {
            var cell = cell
            var layout = layout
            let canonical = result.isEmpty ? 0 : 1
            if before != canonical { layout["before"] = before }
            if let pending {
                if let id = pending["id"] as? String, Self.isValidID(id) { cell.id = id }
                if let m = pending["metadata"] as? [String: Any] { cell.metadata.merge(m) { a, _ in a } }
            }
            pending = nil
            if !layout.isEmpty { cell.metadata[Self.layoutKey] = layout }
            result.append(cell)
        }
        func flushProse() {
            // Trailing blank lines of prose belong to the gap before the next block.
            var end = prose.count
            while end > 0, prose[end - 1].isEmpty { end -= 1 }
            if end > 0 {
                add(Cell(id: Self.defaultID(result.count), type: .markdown, source: prose[..<end].joined(separator: "\n")),
                    before: proseBlank, layout: [:])
                blank = prose.count - end
            }
            prose = []
        }
        var i = 0
        var fenced: [Int] = []
        if let first = lines.first, first.hasPrefix(Self.notebookPrefix), first.hasSuffix("-->"),
           let json = Self.comment(first.dropFirst(Self.notebookPrefix.count).dropLast(3)),
           let object = json as? [String: Any], let m = object["metadata"] as? [String: Any] {
            metadata = m
            i = 1
        }
        while i < lines.count {
            let line = lines[i]
            let info = Notebook.fence(line)
            if line.hasPrefix(Self.commentPrefix), line.hasSuffix("-->"),
               let json = Self.comment(line.dropFirst(Self.commentPrefix.count).dropLast(3)),
               let object = json as? [String: Any] {
                flushProse()
                if pending != nil { add(Cell(id: Self.defaultID(result.count), type: .markdown, source: ""), before: blank, layout: [:]); blank = 0 }
                pending = object
                var shown = 0
                if let source = object["source"] as? String {
                    let type = (object["type"] as? String).flatMap(CellType.init(rawValue:)) ?? .markdown
                    add(Cell(id: Self.defaultID(result.count), type: type, source: source), before: blank, layout: [:])
                    blank = 0
                    // The cell shown as a plain block below the comment, for people: already read from the comment.
                    shown = max(0, min(object["shown"] as? Int ?? 0, lines.count - i - 1))
                }
                i += 1 + shown; continue
            }
            if info == "capas" || info == "answer" || info == "respuesta" {
                flushProse()
                var j = i + 1
                while j < lines.count, Notebook.fence(lines[j]) != "" { j += 1 }
                let body = lines[(i + 1)..<min(j, lines.count)].joined(separator: "\n")
                var layout: [String: Any] = [:]
                let isAnswer = info != "capas"
                if line != (isAnswer ? "```answer" : "```capas") { layout["fence"] = line }
                if j >= lines.count { layout["unclosed"] = true } else if lines[j] != "```" { layout["close"] = lines[j] }
                var cell = Cell(id: Self.defaultID(result.count), type: isAnswer ? .raw : .code, source: body)
                if isAnswer { cell.metadata["capas_answer"] = true }
                var next = j + 1
                if !isAnswer {
                    var k = j + 1
                    while k < lines.count, lines[k].isEmpty { k += 1 }
                    if j < lines.count, k < lines.count, Notebook.fence(lines[k]) == "output" {
                        var m = k + 1
                        while m < lines.count, Notebook.fence(lines[m]) != "" { m += 1 }
                        if k - j - 1 != 1 { layout["output_before"] = k - j - 1 }
                        if lines[k] != "```output" { layout["output_fence"] = lines[k] }
                        if m >= lines.count { layout["output_unclosed"] = true } else if lines[m] != "```" { layout["output_close"] = lines[m] }
                        let output = lines[(k + 1)..<min(m, lines.count)].joined(separator: "\n")
                        cell.outputs = [Self.stream(output)]
                        next = m + 1
                    }
                }
                if !isAnswer { fenced.append(result.count) }
                add(cell, before: blank, layout: layout)
                blank = 0
                i = next
                continue
            }
            if prose.isEmpty {
                if line.isEmpty { blank += 1; i += 1; continue }
                proseBlank = blank
            }
            prose.append(line)
            i += 1
        }
        flushProse()
        cells = result
        // In a notebook of another language, a capas block not marked by its metadata was marked by its first line.
        if !isCapasNotebook {
            for k in fenced where !isCapasCell(cells[k]) { cells[k].source = "%%capas\n" + cells[k].source }
        }
        // A file ends with one newline (the last line is empty) unless it says otherwise.
        let trailing = prose.isEmpty ? blank : 0
        if trailing != 1 { metadata[Self.layoutKey] = ["trailing": trailing] }
    }

    /// The notebook as Markdown: the inverse of `init(markdown:)`; images in outputs are left out.
    public func markdown() -> String { markdownWithPlaces().text }

    /// The Markdown and, for each line of an answer cell's body, the cell (1-based) and the line in that cell (1-based, as Jupyter shows it).
    public func markdownWithPlaces() -> (text: String, places: [Int: (cell: Int, line: Int)]) {
        var out: [String] = []
        var places: [Int: (cell: Int, line: Int)] = [:]
        var counted = 0, lineTotal = 0
        var own = metadata
        own[Self.layoutKey] = nil
        if !NSDictionary(dictionary: own).isEqual(to: Self.capasMetadata),
           let data = try? JSONSerialization.data(withJSONObject: ["metadata": own], options: [.sortedKeys, .withoutEscapingSlashes]),
           let json = String(data: data, encoding: .utf8), !json.contains("-->") {
            out.append(Self.notebookPrefix + json + " -->")
        }
        for (index, cell) in cells.enumerated() {
            let layout = cell.metadata[Self.layoutKey] as? [String: Any] ?? [:]
            out += Array(repeating: "", count: Self.gap(layout["before"], index == 0 ? 0 : 1))
            var extra: [String: Any] = [:]
            if cell.id != Self.defaultID(index) { extra["id"] = cell.id }
            var metadata = cell.metadata
            metadata[Self.layoutKey] = nil
            if cell.isAnswer { metadata["capas_answer"] = nil }
            if !metadata.isEmpty { extra["metadata"] = metadata }
            let previousIsProse = index > 0 && cells[index - 1].type == .markdown
            let sourceFits = !cell.source.isEmpty && !cell.source.hasPrefix("\n") && !cell.source.hasSuffix("\n")
            if cell.type == .markdown && !sourceFits { extra["source"] = cell.source }
            // A cell Markdown has no block for (Python code, a plain raw cell): kept whole in the comment, shown below it.
            let foreign = (cell.type == .raw && !cell.isAnswer) || (cell.type == .code && !isCapasCell(cell) && !cell.isAnswer)
            if foreign {
                extra["source"] = cell.source
                extra["type"] = cell.type.rawValue
                extra["shown"] = 3 + cell.source.utf8.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            }
            if !extra.isEmpty || (cell.type == .markdown && previousIsProse),
               let data = try? JSONSerialization.data(withJSONObject: extra, options: [.sortedKeys, .withoutEscapingSlashes]),
               let json = String(data: data, encoding: .utf8), !json.contains("-->") {
                out.append(Self.commentPrefix + json + " -->")
            }
            switch cell.type {
            case .markdown:
                if sourceFits { out.append(cell.source) }
            case .raw where !cell.isAnswer:
                out += ["```", cell.source, "```"]
            case .code where !isCapasCell(cell) && !cell.isAnswer:
                let language = (self.metadata["language_info"] as? [String: Any])?["name"] as? String ?? ""
                out += ["```" + (language.allSatisfy { $0.isLetter || $0.isNumber } ? language : ""), cell.source, "```"]
            default:
                out.append(Self.fence(layout["fence"], cell.isAnswer ? ["answer", "respuesta"] : ["capas"]) ?? (cell.isAnswer ? "```answer" : "```capas"))
                let body = cell.firstLine == "%%capas" || cell.firstLine == "%%answer" ? cell.body : cell.source
                if !(body.isEmpty && layout["unclosed"] as? Bool == true) {
                    if cell.isAnswer {
                        // Lines so far, counted once each (linear in the notebook).
                        for piece in out[counted...] { lineTotal += 1 + piece.utf8.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } }
                        counted = out.count
                        let first = lineTotal + 1
                        let skipped = body == cell.source ? 0 : 1
                        let count = body.utf8.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
                        for k in 0..<count { places[first + k] = (index + 1, k + 1 + skipped) }
                    }
                    out.append(body)
                }
                if layout["unclosed"] as? Bool != true { out.append(Self.fence(layout["close"], [""]) ?? "```") }
                let shown = Self.text(of: cell.outputs)
                if !cell.outputs.isEmpty {
                    out += Array(repeating: "", count: Self.gap(layout["output_before"], 1))
                    out.append(Self.fence(layout["output_fence"], ["output"]) ?? "```output")
                    out.append(shown)
                    if layout["output_unclosed"] as? Bool != true { out.append(Self.fence(layout["output_close"], [""]) ?? "```") }
                }
            }
        }
        let trailing = Self.gap((metadata[Self.layoutKey] as? [String: Any])?["trailing"], 1)
        out += Array(repeating: "", count: trailing)
        return (out.joined(separator: "\n"), places)
    }
}
