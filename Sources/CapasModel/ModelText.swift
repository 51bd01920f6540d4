import CapasCore

// The parsed model: the input declaration and a tree of items (layers and blocks).

/// One layer line: the layer, an optional inline activation, and where it was written.
public struct LayerLine: Hashable, Sendable {
    public var spec: LayerSpec
    public var activation: LayerSpec?
    public var span: SourceSpan
    public init(spec: LayerSpec, activation: LayerSpec? = nil, span: SourceSpan) {
        self.spec = spec; self.activation = activation; self.span = span
    }
    /// The line as it would be written: `conv 32 3x3 pad=same relu`.
    public var text: String { spec.text + (activation.map { " " + $0.text } ?? "") }
}

public indirect enum ModelItem: Hashable, Sendable {
    case layer(LayerLine)
    /// y = body(x) + shortcut(x); an empty shortcut is the identity.
    case residual(body: [ModelItem], shortcut: [ModelItem], span: SourceSpan)
    /// y = concatenation of each branch(x) along channels.
    case concat(branches: [[ModelItem]], span: SourceSpan)

    public var span: SourceSpan {
        switch self {
        case let .layer(line): return line.span
        case let .residual(_, _, span), let .concat(_, span): return span
        }
    }
}

/// A whole model as written in the model language.
public struct ModelText: Hashable, Sendable {
    public var input: FeatureShape?
    public var inputSpan: SourceSpan?
    public var items: [ModelItem]

    public init(input: FeatureShape?, inputSpan: SourceSpan? = nil, items: [ModelItem]) {
        self.input = input; self.inputSpan = inputSpan; self.items = items
    }

    /// Parses model text; errors carry line and column.
    public init(parsing text: String) throws {
        var parser = try Parser(text)
        self = try parser.parseModel()
    }

    /// The canonical text: parsing it gives back the same model.
    public var text: String {
        var lines: [String] = []
        if let input { lines.append("input \(input)") }
        func emit(_ items: [ModelItem], indent: String) {
            for item in items {
                switch item {
                case let .layer(line): lines.append(indent + line.text)
                case let .residual(body, shortcut, _):
                    lines.append(indent + "residual {")
                    emit(body, indent: indent + "  ")
                    if shortcut.isEmpty { lines.append(indent + "}") } else {
                        lines.append(indent + "} shortcut {")
                        emit(shortcut, indent: indent + "  ")
                        lines.append(indent + "}")
                    }
                case let .concat(branches, _):
                    lines.append(indent + "concat {")
                    for branch in branches {
                        lines.append(indent + "  branch {")
                        emit(branch, indent: indent + "    ")
                        lines.append(indent + "  }")
                    }
                    lines.append(indent + "}")
                }
            }
        }
        emit(items, indent: "")
        return lines.joined(separator: "\n") + "\n"
    }
}
