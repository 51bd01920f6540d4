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
    public init(_ text: String, isError: Bool = false, quit: Bool = false) {
        self.text = text; self.isError = isError; self.quit = quit
    }
}

public final class Interpreter {
    public var language: Language
    var variables: [String: Value] = [:]

    /// A model being written: its entries (model-language text) and their analysis.
    struct Model {
        var entries: [String] = []
        var analysis: ModelAnalysis?
        var text: String { entries.joined(separator: "\n") + (entries.isEmpty ? "" : "\n") }
    }
    var models: [String: Model] = ["model": Model()]
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
        let trimmed = entry.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed.hasPrefix("#") { return Reply("") }
        errorIsInEntry = true
        let reply: Reply
        do {
            if trimmed.hasPrefix(":") {
                reply = try command(trimmed)
            } else if isModelLine(trimmed) {
                reply = Reply(try addToModel(trimmed))
            } else {
                reply = Reply(try calculate(trimmed))
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
        if !reply.isError && !reply.quit { transcript.append((trimmed, reply.text)) }
        return reply
    }

    /// True when the text so far leaves a bracket or a block open: the REPL reads another line.
    public func needsContinuation(_ text: String) -> Bool {
        text.split(separator: "\n").reduce(0) { $0 + Interpreter.bracketDepthChange($1) } > 0
    }

    /// Brackets and braces one line opens minus those it closes, before any `#` comment.
    static func bracketDepthChange(_ line: Substring) -> Int {
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

    // MARK: the model

    var model: Model {
        get { models[current] ?? Model() }
        set { models[current] = newValue }
    }

    func addToModel(_ entry: String) throws -> String {
        var candidate = model
        let isInput = entry.lowercased().hasPrefix("input")
        if isInput {
            // A new input line replaces the old one: the whole model is re-analysed for it.
            candidate.entries.removeAll { $0.lowercased().hasPrefix("input") }
            candidate.entries.insert(entry, at: 0)
        } else {
            guard candidate.entries.contains(where: { $0.lowercased().hasPrefix("input") }) else {
                throw ModelError(.missingInput, at: nil)
            }
            candidate.entries.append(entry)
        }
        let before = model.analysis?.layers.count ?? 0
        let firstLine = candidate.entries.dropLast().reduce(0) { $0 + $1.split(separator: "\n", omittingEmptySubsequences: false).count }
        let parsed: ModelText
        do { parsed = try ModelText(parsing: candidate.text) } catch let error as ModelError {
            throw relocate(error, firstLine: isInput ? 0 : firstLine)
        }
        if parsed.items.isEmpty {
            // Only the input so far.
            candidate.analysis = nil
            model = candidate
            return "input \(parsed.input?.description ?? "?") (\(grouped(parsed.input?.elementCount ?? 0, language: L)) " + L.pick(es: "valores)", en: "values)")
        }
        let analysis: ModelAnalysis
        do { analysis = try ModelAnalysis(parsed, sourceText: candidate.text) } catch let error as ModelError {
            throw relocate(error, firstLine: isInput ? 0 : firstLine)
        }
        candidate.analysis = analysis
        model = candidate
        if isInput {
            return "input \(analysis.input) — " + L.pick(es: "el modelo se recalculó para esta entrada:\n", en: "the model was recomputed for this input:\n")
                + (try analysis.summary(language: L))
        }
        return analysis.layers[before...].map { describe($0, in: analysis) }.joined(separator: "\n")
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
        var parser = try CalcParser(entry)
        let (name, expression) = try parser.parseEntry()
        if let name {
            if Vocabulary.isLayerWord(name) || Functions.names.contains(name) {
                throw CalculatorError(.reservedName(name), column: 1)
            }
        }
        let evaluator = Evaluator(variables: variables, language: L, datasets: datasets, budget: calculatorBudget ?? CalculatorBudget())
        let value = try evaluator.evaluate(expression)
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
        return text
    }

    func render(_ error: CalculatorError, entry: String) -> String {
        var text = L.pick(es: "error: ", en: "error: ") + error.message(in: L)
        if let column = error.column, !entry.contains("\n") {
            text += "\n  \(entry)\n  " + String(repeating: " ", count: max(0, column - 1)) + "^"
        }
        // `cnov 10 5x5`: a misspelt layer reads as a calculation; say which layer it resembles.
        let words = entry.split(separator: " ", maxSplits: 2)
        if words.count >= 2, words[1].first?.isNumber == true, variables[String(words[0])] == nil,
           let layer = Vocabulary.layers.map({ ($0, editDistance(words[0].lowercased(), $0)) }).min(by: { $0.1 < $1.1 })
            .flatMap({ $0.1 <= (words[0].count >= 4 ? 2 : 1) ? $0.0 : nil }) {
            text += "\n" + L.pick(es: "¿quiso escribir la capa `\(layer)`? (ver :help layers)",
                                  en: "did you mean the layer `\(layer)`? (see :help layers)")
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
