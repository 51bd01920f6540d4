import CapasCore

// Appending to an analysed model without analysing it again: a layer typed
// at the prompt is analysed alone, from the last layer's output shape, and
// renamed, relinked and renumbered as if it had been written at the end of
// the whole text. The REPL's cost per line is then the cost of that line,
// whatever the model's length (a new `input` line still re-analyses all).

extension ModelAnalysis {
    /// An analysis from its parts (layers analysed earlier and the ones appended since).
    public init(model: ModelText, input: FeatureShape, layers: [AnalyzedLayer]) {
        self.model = model
        self.input = input
        self.layers = layers
    }

    /// The nodes of `entry` (statements without an `input` line), analysed after
    /// `layers`, as a whole-text analysis would have produced them: their names
    /// continue the top-level numbering (`topLevelNodes` nodes so far), their
    /// inputs point at the earlier nodes and their spans count lines after
    /// `firstLine`. Also returns the entry's items with the same line numbers.
    /// Errors are placed in the entry itself (its first line is line 1).
    public static func continuing(_ entry: String, after layers: [AnalyzedLayer], input: FeatureShape,
                                  topLevelNodes: Int, firstLine: Int) throws -> (items: [ModelItem], layers: [AnalyzedLayer]) {
        let parsed = try ModelText(parsing: entry)
        guard parsed.input == nil else { throw ModelError(.inputNotFirst, at: parsed.inputSpan) }
        guard !parsed.items.isEmpty else { return ([], []) }
        let start = layers.last?.outputShape ?? input
        let part = try ModelAnalysis(parsed, input: start, sourceText: entry)
        let previous = layers.count - 1
        let rebased = part.layers.map { layer in
            AnalyzedLayer(name: renumbered(layer.name, by: topLevelNodes), spec: layer.spec, resolved: layer.resolved,
                          span: layer.span.shifted(by: firstLine), depth: layer.depth,
                          inputs: layer.inputs.map { $0 < 0 ? previous : $0 + layers.count },
                          inputShape: layer.inputShape, outputShape: layer.outputShape, parameters: layer.parameters,
                          buffers: layer.buffers, multiplyAdds: layer.multiplyAdds)
        }
        return (parsed.items.map { $0.shifted(by: firstLine) }, rebased)
    }

    /// `"4.body.1"` renumbered by 10 → `"14.body.1"`: only the top-level index moves.
    static func renumbered(_ name: String, by offset: Int) -> String {
        let head = name.prefix { $0 != "." }
        guard let index = Int(head) else { return name }
        return String(index + offset) + name.dropFirst(head.count)
    }
}

extension SourceSpan {
    func shifted(by lines: Int) -> SourceSpan { SourceSpan(line: line + lines, column: column, length: length) }
}

extension ModelItem {
    /// The same item written `lines` lines further down.
    func shifted(by lines: Int) -> ModelItem {
        guard lines != 0 else { return self }
        switch self {
        case var .layer(line):
            line.span = line.span.shifted(by: lines)
            return .layer(line)
        case let .residual(body, shortcut, span):
            return .residual(body: body.map { $0.shifted(by: lines) }, shortcut: shortcut.map { $0.shifted(by: lines) },
                             span: span.shifted(by: lines))
        case let .concat(branches, span):
            return .concat(branches: branches.map { $0.map { $0.shifted(by: lines) } }, span: span.shifted(by: lines))
        }
    }
}
