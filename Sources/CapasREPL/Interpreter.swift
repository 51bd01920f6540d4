import CapasCore
import CapasMessages
import CapasModel
import CapasTraining
import Foundation

// The interpreter behind the REPL and notebooks. It never reads a terminal:
// it takes one entry (a line, or several when brackets or a block were left
// open) and returns what to print. Three kinds of entries:
//
//   :command …          commands (`:help` lists them)
//   conv 10 5x5 …       a line of the model language: added to the current model
//   A = [[1, 2], …]     the calculator: variables, literals, the course's functions
//
// A line is a layer when its first word is a layer keyword not followed by
// `(` or `=`; `relu(A)` is the function, `relu` the layer.

/// What an entry produced.
public struct Reply: Equatable {
    public var text: String
    public var isError: Bool
    public var quit: Bool
    /// The error's text names its own line and column (a model error with a place).
    public var isPlaced = false
    /// The same reply as HTML, when it is a table (a matrix, `:summary`): a notebook shows it beside the text.
    public var html: String?
    public init(_ text: String, isError: Bool = false, quit: Bool = false, html: String? = nil) {
        self.text = text; self.isError = isError; self.quit = quit; self.html = html
    }
}

public final class Interpreter {
    public var language: Language
    var variables: [String: Value] = [:]

    /// A model being written: its entries (model-language text) and their analysis.
    struct Model {
        private(set) var entries: [String] = []
        var analysis: ModelAnalysis?
        /// Lines in `entries` (a block typed over several lines counts them all).
        private(set) var lineCount = 0
        /// Nodes at the top level of the analysis: the next appended layer's name.
        var topLevelNodes = 0
        var text: String { entries.joined(separator: "\n") + (entries.isEmpty ? "" : "\n") }

        init() {}
        init(entries: [String], analysis: ModelAnalysis?) {
            self.entries = entries
            self.analysis = analysis
            lineCount = entries.reduce(0) { $0 + Model.lines(in: $1) }
            topLevelNodes = analysis?.layers.filter { $0.depth == 0 }.count ?? 0
        }
        static func lines(in entry: String) -> Int { entry.reduce(1) { $1 == "\n" ? $0 + 1 : $0 } }

        mutating func append(_ entry: String) {
            entries.append(entry)
            lineCount += Model.lines(in: entry)
        }
        mutating func removeLast() -> String? {
            guard let last = entries.popLast() else { return nil }
            lineCount -= Model.lines(in: last)
            return last
        }
    }
    var models: [String: Model] = ["model": Model()]
    /// Models that :load or :preset replaced, by model name: :undo brings one back.
    var replacedModels: [String: [(loadedEntries: Int, previous: Model)]] = [:]
    var modelOrder = ["model"]
    var current = "model"
    /// Every successful entry with its reply, for `:save` as a notebook.
    public private(set) var transcript: [(entry: String, reply: String)] = []
    /// How pictures are drawn (`:show`, `:filters`): plain ASCII unless the session says colour.
    public var pictureStyle: PictureStyle = .plain
    /// The width pictures and curves fit in.
    public var columns = 80
    /// Datasets read by `:show` and `image(…)`, found as `capas data` finds them.
    let datasets: DatasetCache
    /// The variables that hold a dataset image, and which one.
    var imageVariables: [String: ImageReference] = [:]

    /// What :train has produced, by model name; the last training, for :plot.
    var runs: [String: TrainingRun] = [:]
    var lastRun: TrainingRun?
    /// How many :sample have run: the next one's seed when none is given.
    var samples = 0
    /// Datasets given by name to :train (tests register small made-up ones).
    var registeredData: [String: DataSets] = [:]
    /// Where long commands (:train) report while they run; nil puts their lines in the reply instead.
    public var progress: ((String) -> Void)?
    /// Whether `progress` reaches a terminal, where a bar can be redrawn.
    public var progressIsTerminal = false
    /// Asked after every training step: true (Ctrl-C) stops training and keeps the weights.
    public var interruptRequested: () -> Bool = { false }
    /// One budget for every calculation while a notebook runs (`capas run`,
    /// `:load nb.md`): the values its variables keep add up. Nil at the
    /// prompt, where each entry gets a budget of its own.
    public var calculatorBudget: CalculatorBudget?

    /// The environment datasets are looked up with (`CAPAS_DATA`, `XDG_CACHE_HOME`, `HOME`).
    public var environment: [String: String] {
        get { datasets.environment }
        set { datasets.environment = newValue }
    }

    public init(language: Language, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.language = language
        datasets = DatasetCache(environment: environment)
    }

    var L: Language { language }

    // MARK: entries

    /// Runs one entry. Never traps: every input gets a reply or an error message.
    public func execute(_ entry: String) -> Reply {
        var trimmed = entry.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed.hasPrefix("#") { return Reply("") }
        let typed = trimmed
        defer { history.append(typed) }
        if let habit = habit(trimmed) { trimmed = habit }
        if let timed = Interpreter.timedEntry(trimmed) {
            // :time EXPR (IPython's %time): the entry runs as itself, and the reply says how long it took.
            let clock = ContinuousClock()
            var reply = Reply("")
            let elapsed = clock.measure { reply = execute(timed) }
            history.removeLast()
            let time = L.pick(es: "tiempo: ", en: "time: ") + Interpreter.duration(elapsed, language: L)
            reply.text += (reply.text.isEmpty ? "" : "\n") + time
            reply.html = reply.html.map { $0 + HTML.note(time) }
            return reply
        }
        errorIsInEntry = true
        // `p = 0,5`, `[0,13, 0,87]`: a decimal comma would be read as two values (or not at all).
        if !trimmed.lowercased().hasPrefix(":help"), let hint = DecimalComma.hint(in: trimmed, language: L) {
            return Reply(L.pick(es: "error: ", en: "error: ") + hint, isError: true)
        }
        let reply: Reply
        do {
            if trimmed.hasPrefix(":") {
                reply = try command(trimmed)
            } else if isModelLine(trimmed) {
                reply = Reply(try addToModel(trimmed))
            } else if let word = misspeltLayer(trimmed) {
                // `cnov 10 5x5`: the same error as in a model file, not a calculator's "unexpected `10`".
                throw ModelError(.unknownLayer(word, suggestion: Vocabulary.suggestion(for: word)),
                                 at: SourceSpan(line: 1, column: 1, length: word.count), sourceLine: trimmed)
            } else {
                reply = try calculation(trimmed)
            }
        } catch let error as CalculatorError {
            return Reply(render(error, entry: trimmed), isError: true)
        } catch let error as ModelError {
            var reply = Reply(render(error), isError: true)
            reply.isPlaced = error.span != nil && errorIsInEntry
            return reply
        } catch let error as LocalizedMessage {
            return Reply(L.pick(es: "error: ", en: "error: ") + error.message(in: L), isError: true)
        } catch {
            return Reply(L.pick(es: "error: ", en: "error: ") + "\(error)", isError: true)
        }
        if !reply.isError && !reply.quit { transcript.append((trimmed, notebookText(of: trimmed, reply: reply.text))) }
        return reply
    }

    /// Every entry of the session in order, errors included (`:history`).
    public private(set) var history: [String] = []
    /// The value of the last calculation, read back as `_` or `ans` (IPython, Julia, MATLAB).
    var lastResult: Value?

    /// What another REPL's habit means here: `help conv`, `conv?`, `?conv`,
    /// `help(conv)` → `:help conv`; `exit`, `quit()` → `:quit`; `%time`,
    /// `%history` → `:time`, `:history`. Nil when the entry means itself
    /// (a variable named `help` or `exit` is read as the variable).
    func habit(_ text: String) -> String? {
        let lower = text.lowercased()
        func isWord(_ s: Substring) -> Bool {
            !s.isEmpty && s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ":" }
        }
        if ["exit", "quit", "exit()", "quit()", "salir", "salir()"].contains(lower),
           variables[String(lower.prefix { $0.isLetter })] == nil {
            return ":quit"
        }
        for magic in ["%time ", "%history", "%hist"] where lower.hasPrefix(magic) {
            return ":" + text.dropFirst(1)
        }
        if variables["help"] == nil, variables["ayuda"] == nil {
            for word in ["help", "ayuda"] {
                if lower == word || lower == word + "()" { return ":help" }
                if lower.hasPrefix(word + " ") {
                    // `help conv`, `help :summary`; `help = 2` and `help + 1` are calculations.
                    let topic = text.dropFirst(word.count + 1).trimmingCharacters(in: .whitespaces)
                    if let c = topic.first, c.isLetter || c == ":" || c == "%" || c == "_" { return ":help " + topic }
                }
                if lower.hasPrefix(word + "("), lower.hasSuffix(")") {
                    let topic = text.dropFirst(word.count + 1).dropLast().trimmingCharacters(in: .whitespaces)
                    return topic.isEmpty ? ":help" : ":help " + topic
                }
            }
        }
        if text == "?" { return ":help" }
        let bare = text.drop { $0 == "?" }
        if bare.count < text.count, isWord(bare) { return ":help " + bare }
        var tail = Substring(text)
        while tail.hasSuffix("?") { tail = tail.dropLast() }
        if tail.count < text.count, isWord(tail), !tail.hasPrefix(":") { return ":help " + tail }
        return nil
    }

    /// The entry after `:time`, or nil.
    static func timedEntry(_ text: String) -> String? {
        for prefix in [":time ", ":tiempo "] where text.lowercased().hasPrefix(prefix) {
            let rest = text.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
            return rest.isEmpty ? nil : rest
        }
        return nil
    }

    /// `0.35 ms`, `12.3 ms`, `1.24 s` (a decimal comma in Spanish).
    static func duration(_ d: Duration, language L: Language) -> String {
        let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        let text: String
        if seconds < 0.001 { text = String(format: "%.2f ms", seconds * 1000) }
        else if seconds < 1 { text = String(format: "%.1f ms", seconds * 1000) }
        else { text = String(format: "%.2f s", seconds) }
        return L == .es ? text.replacingOccurrences(of: ".", with: ",") : text
    }

    /// True when the text so far leaves a bracket or a block open: the REPL reads another line.
    public func needsContinuation(_ text: String) -> Bool {
        text.split(separator: "\n", omittingEmptySubsequences: false).reduce(0) { $0 + Interpreter.bracketDepthChange($1) } > 0
    }

    /// Brackets one line opens minus those it closes, outside its `#` comment.
    /// A reader adds them up line by line (linear, where `needsContinuation`
    /// on the growing entry would be quadratic).
    public func bracketDepth<S: StringProtocol>(of line: S) -> Int { Interpreter.bracketDepthChange(line) }

    /// Brackets and braces one line opens minus those it closes, before any `#` comment.
    static func bracketDepthChange<S: StringProtocol>(_ line: S) -> Int {
        var depth = 0
        for c in line {
            if c == "#" { break }
            if c == "(" || c == "[" || c == "{" { depth += 1 } else if c == ")" || c == "]" || c == "}" { depth -= 1 }
        }
        return depth
    }

    func isModelLine(_ text: String) -> Bool {
        let word = text.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
        guard Vocabulary.isLayerWord(String(word)) else { return false }
        let rest = text.dropFirst(word.count).drop { $0 == " " || $0 == "\t" }
        return !(rest.hasPrefix("(") || rest.hasPrefix("="))
    }

    /// The first word of a line written like a layer (`cnov 10 5x5`, `conv2 32 3x3`)
    /// that is no layer, variable or function: a word followed by a space and
    /// then a number or a word, when it is close to a layer's name (or is no
    /// short variable-like name and a number follows).
    func misspeltLayer(_ text: String) -> String? {
        let word = String(text.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
        guard let first = word.first, first.isLetter, !Vocabulary.isLayerWord(word),
              variables[word] == nil, !Functions.names.contains(word) else { return nil }
        let afterWord = text.dropFirst(word.count)
        guard let space = afterWord.first, space == " " || space == "\t" else { return nil }
        guard let next = afterWord.drop(while: { $0 == " " || $0 == "\t" }).first else { return nil }
        if Vocabulary.suggestion(for: word) != nil { return next.isNumber || next.isLetter ? word : nil }
        // `foo 3` names no layer at all; `A 3` is more likely a calculation.
        return next.isNumber && word.count >= 3 ? word : nil
    }

    // MARK: the model

    var model: Model {
        get { models[current] ?? Model() }
        set { models[current] = newValue }
    }

    func addToModel(_ entry: String) throws -> String {
        if entry.lowercased().hasPrefix("input") { return try replaceInput(entry) }
        guard model.entries.first?.lowercased().hasPrefix("input") == true else {
            throw ModelError(.missingInput, at: nil)
        }
        // Only the new entry is analysed, from the last layer's output; the model is
        // taken out of the dictionary so that its arrays grow in place.
        var m = models.removeValue(forKey: current) ?? Model()
        defer { models[current] = m }
        guard let input = m.analysis?.input ?? (try? ModelText(parsing: m.entries[0]))?.input else {
            throw ModelError(.missingInput, at: nil)
        }
        errorIsInEntry = true
        let (items, added) = try ModelAnalysis.continuing(entry, after: m.analysis?.layers ?? [], input: input,
                                                          topLevelNodes: m.topLevelNodes, firstLine: m.lineCount)
        guard !added.isEmpty else { return "" }
        analysedLayers += added.count
        // Held only here from now on, so that appending does not copy them.
        var modelText = try m.analysis?.model ?? ModelText(parsing: m.entries[0])
        var layers = m.analysis?.layers ?? []
        m.analysis = nil
        modelText.items.append(contentsOf: items)
        let before = layers.count
        layers.append(contentsOf: added)
        m.analysis = ModelAnalysis(model: modelText, input: input, layers: layers)
        m.topLevelNodes += added.filter { $0.depth == 0 }.count
        m.append(entry)
        let analysis = m.analysis!
        return analysis.layers[before...].map { describe($0, in: analysis) }.joined(separator: "\n")
    }

    /// Layers analysed so far in this session (each appended line analyses its own;
    /// a new input line, all of them): what a line costs, counted.
    var analysedLayers = 0

    /// A new input line replaces the old one: the whole model is re-analysed for it.
    func replaceInput(_ entry: String) throws -> String {
        var entries = model.entries
        entries.removeAll { $0.lowercased().hasPrefix("input") }
        entries.insert(entry, at: 0)
        var candidate = Model(entries: entries, analysis: nil)
        let parsed: ModelText
        do { parsed = try ModelText(parsing: candidate.text) } catch let error as ModelError {
            throw relocate(error, firstLine: 0)
        }
        if parsed.items.isEmpty {
            // Only the input so far.
            model = candidate
            return "input \(parsed.input?.description ?? "?") (\(grouped(parsed.input?.elementCount ?? 0, language: L)) " + L.pick(es: "valores)", en: "values)")
        }
        let analysis: ModelAnalysis
        do { analysis = try ModelAnalysis(parsed, sourceText: candidate.text) } catch let error as ModelError {
            throw relocate(error, firstLine: 0)
        }
        analysedLayers += analysis.layers.count
        candidate = Model(entries: entries, analysis: analysis)
        model = candidate
        return "input \(analysis.input) — " + L.pick(es: "el modelo se recalculó para esta entrada:\n", en: "the model was recomputed for this input:\n")
            + (try analysis.summary(language: L))
    }

    /// An error in the entry just typed: its line numbers are made relative to the entry.
    /// An error in an earlier line of the model (found when a new input line
    /// re-analyses it) keeps the model's numbering and is not in the entry.
    func relocate(_ error: ModelError, firstLine: Int) -> ModelError {
        guard let span = error.span else { errorIsInEntry = true; return error }
        // The entry is the model's lines after `firstLine`; a new input line (firstLine 0) is line 1.
        errorIsInEntry = firstLine == 0 ? span.line == 1 : span.line > firstLine
        guard firstLine > 0, span.line > firstLine else { return error }
        return ModelError(error.problem, at: SourceSpan(line: span.line - firstLine, column: span.column, length: span.length),
                          sourceLine: error.sourceLine)
    }

    /// Whether the last model error's place is in the entry that was run.
    var errorIsInEntry = true

    /// `[3] conv 20 5x5   12x12x10 → 8x8x20   5,020 params` and the formulas.
    func describe(_ layer: AnalyzedLayer, in analysis: ModelAnalysis? = nil) -> String {
        let e = layer.explanation(language: L)
        let text: String
        switch layer.resolved {
        case .add: text = L.pick(es: "suma residual", en: "residual add")
        case .concat: text = L.pick(es: "concatenación", en: "concatenate")
        default: text = layer.spec?.text ?? ""
        }
        let count = layer.parameters == 1 ? L.pick(es: "1 parámetro", en: "1 parameter")
            : "\(grouped(layer.parameters, language: L)) " + L.pick(es: "parámetros", en: "parameters")
        // A block's closing add or concat reads several shapes: all of them are shown.
        var input = layer.inputShape.description
        if let analysis, layer.inputs.count > 1 {
            input = layer.inputs.map { $0 < 0 ? analysis.input.description : analysis.layers[$0].outputShape.description }
                .joined(separator: " + ")
        }
        var lines = ["[\(layer.name)] \(text)   \(input) → \(layer.outputShape)   \(count)"]
        lines += e.shape.map { "    " + $0 }
        if layer.parameters > 0 { lines.append("    " + L.pick(es: "parámetros: ", en: "parameters: ") + e.parameters) }
        lines += e.notes.map { "    " + L.pick(es: "nota: ", en: "note: ") + $0 }
        return lines.joined(separator: "\n")
    }

    // MARK: the calculator

    func calculate(_ entry: String) throws -> String {
        try calculation(entry).text
    }

    /// A calculation's reply: its text, and for a vector, matrix or tensor the same values as HTML tables.
    func calculation(_ entry: String) throws -> Reply {
        var parser = try CalcParser(entry)
        let (name, expression) = try parser.parseEntry()
        if let name {
            if Vocabulary.isLayerWord(name) || Functions.names.contains(name) {
                throw CalculatorError(.reservedName(name), column: 1)
            }
        }
        var known = variables
        if let lastResult {
            // The learner's own `ans` or `_` wins over the last result.
            for name in ["_", "ans"] where known[name] == nil { known[name] = lastResult }
        }
        let evaluator = Evaluator(variables: known, language: L, datasets: datasets, budget: calculatorBudget ?? CalculatorBudget())
        let value = try evaluator.evaluate(expression)
        lastResult = value
        if case let .tensor(t) = value, t.data.contains(where: { !$0.isFinite }) {
            evaluator.notes.append(L.pick(es: "el resultado contiene NaN o ∞", en: "the result contains NaN or ∞"))
        }
        // A dataset image is described (or drawn), not printed as 784 numbers.
        var image: ImageReference?
        if case let .call(function, _, _, _) = expression, Evaluator.imageFunctions.contains(function) { image = evaluator.lastImage }
        var text: String
        if let image, case let .tensor(t) = value {
            text = name == nil ? drawing(of: t, image: image)
                : t.shape.map(String.init).joined(separator: "×") + ", " + image.describe(L)
                    + L.pick(es: "; :show \(name!) la dibuja", en: "; :show \(name!) draws it")
        } else {
            text = Display.value(value, language: L)
        }
        if let name {
            variables[name] = value
            imageVariables[name] = image
            text = (text.contains("\n") ? "\(name) =\n" : "\(name) = ") + text
        }
        if !evaluator.notes.isEmpty { text += "\n" + evaluator.notes.map { "  " + $0 }.joined(separator: "\n") }
        let html = image == nil ? Display.html(value, name: name, notes: evaluator.notes, language: L) : nil
        return Reply(text, html: html)
    }

    func render(_ error: CalculatorError, entry: String) -> String {
        var text = L.pick(es: "error: ", en: "error: ") + error.message(in: L)
        if let column = error.column, !entry.contains("\n") {
            text += "\n  \(entry)\n  " + String(repeating: " ", count: max(0, column - 1)) + "^"
        }
        return text
    }

    /// Where the entry being run starts in its source: 1 at the prompt, the
    /// line in the file for a notebook's cell, so a model error names the file's line.
    public var entryLine = 1

    func render(_ error: ModelError) -> String {
        guard entryLine > 1, errorIsInEntry, let span = error.span else { return error.message(in: L) }
        let placed = SourceSpan(line: span.line + entryLine - 1, column: span.column, length: span.length)
        return ModelError(error.problem, at: placed, sourceLine: error.sourceLine).message(in: L)
    }
}
