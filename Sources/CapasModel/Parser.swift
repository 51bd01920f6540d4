import CapasCore

// A recursive-descent parser for the model language:
//
//   model    := statement*
//   statement:= 'input' SIZE
//             | LAYER ARG* OPTION* [ACTIVATION]
//             | 'residual' '{' statement* '}' ['shortcut' '{' statement* '}']
//             | 'concat' '{' ('branch' '{' statement* '}')+ '}'
//   statements end at a newline or ';'; '#' starts a comment.

struct Parser {
    private let tokens: [Token]
    private var position = 0
    private let lines: [String]
    /// Blocks open around the statement being parsed (see `ModelLimits.nesting`).
    private var depth = 0

    init(_ text: String) throws {
        let bytes = text.utf8.count
        guard bytes <= ModelLimits.textBytes else {
            throw ModelError(.textTooLong(bytes: bytes, limit: ModelLimits.textBytes), at: nil)
        }
        tokens = tokenize(text)
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// Layer keywords, for help and suggestions.
    static let layerNames = ["input", "conv", "conv1d", "depthwise", "maxpool", "avgpool", "globalavgpool", "globalmaxpool",
                             "flatten", "dense", "embedding", "rnn", "lstm", "relu", "relu6", "leakyrelu", "elu", "sigmoid",
                             "tanh", "softmax", "logsoftmax", "maxout", "batchnorm", "dropout", "residual", "concat"]

    /// Other spellings learners bring from PyTorch and Keras.
    static let aliases: [String: String] = [
        "conv2d": "conv", "linear": "dense", "fc": "dense", "maxpool2d": "maxpool", "avgpool2d": "avgpool",
        "maxpool1d": "maxpool", "avgpool1d": "avgpool", "gap": "globalavgpool", "globalaveragepool": "globalavgpool",
        "globalaveragepooling2d": "globalavgpool", "batchnorm2d": "batchnorm", "batchnorm1d": "batchnorm",
        "bn": "batchnorm", "leaky_relu": "leakyrelu", "log_softmax": "logsoftmax", "dwconv": "depthwise",
        "globalmaxpooling1d": "globalmaxpool", "globalmaxpooling2d": "globalmaxpool", "simplernn": "rnn",
    ]

    // MARK: tokens

    private var current: Token { tokens[position] }
    private mutating func advance() -> Token { defer { position = min(position + 1, tokens.count - 1) }; return current }
    private mutating func skipBlankLines() {
        while current.kind == .newline || current.kind == .separator { position += 1 }
    }

    private func error(_ problem: ModelError.Problem, _ span: SourceSpan?) -> ModelError {
        var line: String?
        if let span, span.line >= 1, span.line <= lines.count { line = lines[span.line - 1] }
        return ModelError(problem, at: span, sourceLine: line)
    }

    // MARK: structure

    mutating func parseModel() throws -> ModelText {
        var model = ModelText(input: nil, items: [])
        var sawLayer = false
        while true {
            skipBlankLines()
            let token = current
            switch token.kind {
            case .end:
                return model
            case .close:
                throw error(.unexpectedClose, token.span)
            case .word where token.text.lowercased() == "input":
                _ = advance()
                if model.input != nil { throw error(.duplicateInput, token.span) }
                if sawLayer { throw error(.inputNotFirst, token.span) }
                let words = statementWords()
                guard let first = words.first else {
                    throw error(.missingArgument(layer: "input", what: .size, example: "input 28x28x1"), token.span)
                }
                model.input = try parseInputShape(first)
                model.inputSpan = token.span
                if words.count > 1 { throw error(.unexpected(words[1].text), words[1].span) }
            default:
                model.items.append(try parseStatement())
                sawLayer = true
            }
        }
    }

    /// Parses statements until the `}` that closes `opener` (consumed).
    /// **One level deeper**: past `ModelLimits.nesting` it is an error at
    /// `opener`, before the recursion can threaten the stack.
    private mutating func parseBlockBody(_ opener: Token, name: String) throws -> [ModelItem] {
        depth += 1
        defer { depth -= 1 }
        guard depth <= ModelLimits.nesting else { throw error(.nestedTooDeep(limit: ModelLimits.nesting), opener.span) }
        var items: [ModelItem] = []
        while true {
            skipBlankLines()
            switch current.kind {
            case .close:
                _ = advance()
                return items
            case .end:
                throw error(.unclosedBlock(name), opener.span)
            default:
                if current.kind == .word && current.text.lowercased() == "input" {
                    throw error(.inputNotFirst, current.span)
                }
                items.append(try parseStatement())
            }
        }
    }

    private mutating func expectOpen(after keyword: Token) throws -> Token {
        guard current.kind == .open else {
            throw error(.missingArgument(layer: keyword.text, what: .size, example: "\(keyword.text.lowercased()) {"),
                        current.kind == .newline || current.kind == .end ? keyword.span : current.span)
        }
        return advance()
    }

    private mutating func parseStatement() throws -> ModelItem {
        let token = current
        switch token.kind {
        case .open: throw error(.unexpected("{"), token.span)
        case .close: throw error(.unexpectedClose, token.span)
        default: break
        }
        switch token.text.lowercased() {
        case "residual":
            _ = advance()
            let open = try expectOpen(after: token)
            _ = open
            let body = try parseBlockBody(token, name: "residual")
            if body.isEmpty { throw error(.emptyBlock("residual"), token.span) }
            // `shortcut {` may follow on the same line or the next.
            let mark = position
            skipBlankLines()
            var shortcut: [ModelItem] = []
            if current.kind == .word && current.text.lowercased() == "shortcut" {
                let keyword = advance()
                _ = try expectOpen(after: keyword)
                shortcut = try parseBlockBody(keyword, name: "shortcut")
            } else {
                position = mark
            }
            try endOfStatement()
            return .residual(body: body, shortcut: shortcut, span: token.span)
        case "concat":
            _ = advance()
            _ = try expectOpen(after: token)
            var branches: [[ModelItem]] = []
            while true {
                skipBlankLines()
                if current.kind == .close { _ = advance(); break }
                if current.kind == .end { throw error(.unclosedBlock("concat"), token.span) }
                guard current.kind == .word && current.text.lowercased() == "branch" else {
                    throw error(.unexpected(current.text), current.span)
                }
                let keyword = advance()
                _ = try expectOpen(after: keyword)
                branches.append(try parseBlockBody(keyword, name: "branch"))
            }
            if branches.isEmpty { throw error(.emptyBlock("concat"), token.span) }
            try endOfStatement()
            return .concat(branches: branches, span: token.span)
        case "branch":
            throw error(.branchOutsideConcat, token.span)
        case "shortcut":
            throw error(.unexpected(token.text), token.span)
        default:
            let words = statementWords()
            return .layer(try parseLayerLine(words))
        }
    }

    /// After a block: the statement must end here.
    private mutating func endOfStatement() throws {
        switch current.kind {
        case .newline, .separator, .end, .close: return
        default: throw error(.unexpected(current.text), current.span)
        }
    }

    /// The words of one statement, up to a newline, `;`, `}` or the end.
    private mutating func statementWords() -> [Token] {
        var words: [Token] = []
        while current.kind == .word { words.append(advance()) }
        return words
    }

    // MARK: layers

    private func parseInputShape(_ token: Token) throws -> FeatureShape {
        let parts = splitSize(token.text)
        let numbers = parts.map { Int($0) }
        guard (1...3).contains(parts.count), numbers.allSatisfy({ ($0 ?? 0) >= 1 }) else {
            throw error(.badSize(token.text, what: .size), token.span)
        }
        let n = numbers.map { $0! }
        switch n.count {
        case 3: return .image(height: n[0], width: n[1], channels: n[2])
        case 2: return .sequence(length: n[0], channels: n[1])
        default: return .vector(n[0])
        }
    }

    private func parseLayerLine(_ words: [Token]) throws -> LayerLine {
        guard let head = words.first else { throw error(.unexpected(current.text), current.span) }
        var name = head.text.lowercased()
        name = Parser.aliases[name] ?? name
        var rest = Array(words.dropFirst())

        // An activation written last, inline: `conv 32 3x3 relu`, `dense 10 softmax`.
        var activation: LayerSpec?
        if name != "input", !isActivationName(name) {
            if let last = rest.last, isActivationName(last.text.lowercased()) {
                activation = try parseActivation(last, arguments: [])
                rest.removeLast()
            } else if rest.count >= 2, let number = Float(rest[rest.count - 1].text), number.isFinite,
                      ["leakyrelu", "elu"].contains(rest[rest.count - 2].text.lowercased()) {
                activation = try parseActivation(rest[rest.count - 2], arguments: [rest[rest.count - 1]])
                rest.removeLast(2)
            }
        }

        var args = Arguments(layer: name, tokens: rest, parser: self, anchor: head.span)
        let spec: LayerSpec
        let span = SourceSpan(line: head.span.line, column: head.span.column,
                              length: (words.last.map { $0.span.column + $0.span.length } ?? head.span.column + head.span.length) - head.span.column)
        switch name {
        case "conv", "conv1d":
            let one = name == "conv1d"
            let example = one ? "conv1d 64 5" : "conv 10 5x5"
            let filters = try args.positiveInt(.filters, required: true, example: example)!
            let kernel = try args.size(.kernel, required: true, example: example)!
            if one && !kernel.isSquare { throw error(.badSize(kernel.description, what: .kernel), head.span) }
            var conv = ConvSpec(filters: filters, kernel: one ? Size2D(1, kernel.width) : kernel)
            conv.oneDimensional = one
            try args.convOptions(&conv, allowGroups: true)
            spec = .conv(conv)
        case "depthwise":
            let kernel = try args.size(.kernel, required: true, example: "depthwise 3x3 stride=2 pad=1")!
            var conv = ConvSpec(filters: nil, kernel: kernel)
            try args.convOptions(&conv, allowGroups: false)
            spec = .conv(conv)
        case "maxpool", "avgpool":
            let kernel = try args.size(.kernel, required: true, example: "\(name) 2")!
            var pool = PoolSpec(kind: name == "maxpool" ? .max : .average, kernel: kernel)
            // count_include_pad is PyTorch's name for count_pad; max pooling has no divisor.
            let options = ["stride", "pad", "padding", "ceil"] + (name == "avgpool" ? ["count_pad", "count_include_pad"] : [])
            for (key, token) in try args.takeOptions(options) {
                switch key {
                case "stride": pool.stride = try args.parseSize(token, .stride, allowZero: false)
                case "ceil": pool.ceil = try args.parseBool(token, .ceil)
                case "count_pad", "count_include_pad": pool.countPadding = try args.parseBool(token, .countPadding)
                default: pool.padding = try args.parseSize(token, .padding, allowZero: true)
                }
            }
            spec = .pool(pool)
        case "globalavgpool": _ = try args.takeOptions([]); spec = .globalAveragePool
        case "globalmaxpool": _ = try args.takeOptions([]); spec = .globalMaxPool
        case "flatten": _ = try args.takeOptions([]); spec = .flatten
        case "dense":
            let units = try args.positiveInt(.units, required: true, example: "dense 128 relu")!
            var bias = true
            for (_, token) in try args.takeOptions(["bias"]) { bias = try args.parseBool(token, .bias) }
            spec = .dense(units: units, bias: bias)
        case "embedding":
            let example = "embedding 10000 32"
            let vocabulary = try args.positiveInt(.vocabulary, required: true, example: example)!
            let dimension = try args.positiveInt(.dimension, required: true, example: example)!
            _ = try args.takeOptions([])
            spec = .embedding(vocabulary: vocabulary, dimension: dimension)
        case "rnn", "lstm":
            let units = try args.positiveInt(.units, required: true, example: "\(name) 32")!
            var recurrent = RecurrentSpec(cell: name == "rnn" ? .simple : .lstm, units: units)
            for (key, token) in try args.takeOptions(["sequences", "bias"]) {
                if key == "sequences" { recurrent.returnSequences = try args.parseBool(token, .sequences); continue }
                switch args.value(token).lowercased() {
                case "keras": recurrent.bias = .keras
                case "pytorch", "torch": recurrent.bias = .pytorch
                default: recurrent.bias = try args.parseBool(token, .bias) ? .keras : .no
                }
            }
            spec = .recurrent(recurrent)
        case "maxout":
            let pieces = try args.positiveInt(.pieces, required: true, example: "maxout 2")!
            _ = try args.takeOptions([])
            spec = .maxout(pieces: pieces)
        case "batchnorm":
            var momentum: Float = 0.1, epsilon: Float = 1e-5
            for (key, token) in try args.takeOptions(["momentum", "eps"]) {
                if key == "momentum" { momentum = try args.parseFloat(token, .momentum, range: 0...1) }
                else { epsilon = try args.parseFloat(token, .epsilon, range: Float.leastNonzeroMagnitude...1) }
            }
            spec = .batchNorm(momentum: momentum, epsilon: epsilon)
        case "dropout":
            var p: Float = 0.5
            if let token = args.takePositional() { p = try args.parseFloat(token, .probability, range: 0...0.999_999) }
            for (_, token) in try args.takeOptions(["p", "rate"]) { p = try args.parseFloat(token, .probability, range: 0...0.999_999) }
            spec = .dropout(p)
        case _ where isActivationName(name):
            spec = try parseActivation(head, arguments: rest)
            args.tokens = []
        case "input":
            throw error(.inputNotFirst, head.span)
        default:
            throw error(.unknownLayer(head.text, suggestion: Parser.suggestion(for: name)), head.span)
        }
        try args.finish()
        return LayerLine(spec: spec, activation: activation, span: span)
    }

    private func isActivationName(_ word: String) -> Bool {
        ["relu", "relu6", "leakyrelu", "leaky_relu", "elu", "sigmoid", "tanh", "softmax", "logsoftmax", "log_softmax"].contains(word)
    }

    private func parseActivation(_ head: Token, arguments: [Token]) throws -> LayerSpec {
        let name = Parser.aliases[head.text.lowercased()] ?? head.text.lowercased()
        var args = Arguments(layer: name, tokens: arguments, parser: self, anchor: head.span)
        let spec: LayerSpec
        switch name {
        case "relu": spec = .activation(.relu)
        case "relu6": spec = .activation(.relu6)
        case "sigmoid": spec = .activation(.sigmoid)
        case "tanh": spec = .activation(.tanh)
        case "softmax": spec = .softmax
        case "logsoftmax": spec = .logSoftmax
        case "leakyrelu":
            var slope: Float = 0.01
            if let token = args.takePositional() { slope = try args.parseFloat(token, .slope, range: 0...1) }
            for (_, token) in try args.takeOptions(["slope"]) { slope = try args.parseFloat(token, .slope, range: 0...1) }
            spec = .activation(.leakyReLU(slope: slope))
        default: // elu
            var alpha: Float = 1
            if let token = args.takePositional() { alpha = try args.parseFloat(token, .alpha, range: 0...100) }
            for (_, token) in try args.takeOptions(["alpha"]) { alpha = try args.parseFloat(token, .alpha, range: 0...100) }
            spec = .activation(.elu(alpha: alpha))
        }
        try args.finish()
        return spec
    }

    static func suggestion(for word: String) -> String? {
        guard word.count <= ModelLimits.quotedCharacters else { return nil }
        let candidates = layerNames + Array(aliases.keys)
        let scored = candidates.map { ($0, editDistance(word, $0)) }.min { $0.1 < $1.1 }
        guard let (best, distance) = scored, distance <= (word.count >= 4 ? 2 : 1) else { return nil }
        return aliases[best] ?? best
    }

    fileprivate func makeError(_ problem: ModelError.Problem, _ span: SourceSpan?) -> ModelError { error(problem, span) }
}

/// The words after a layer's name: positional arguments first, then `key=value` options.
private struct Arguments {
    let layer: String
    var tokens: [Token]
    let parser: Parser
    /// Where a missing argument is reported: the layer's name.
    let anchor: SourceSpan

    init(layer: String, tokens: [Token], parser: Parser, anchor: SourceSpan) {
        self.layer = layer; self.tokens = tokens; self.parser = parser; self.anchor = anchor
    }

    mutating func takePositional() -> Token? {
        guard let first = tokens.first, !first.text.contains("=") else { return nil }
        tokens.removeFirst()
        return first
    }

    mutating func positiveInt(_ what: ModelError.Argument, required: Bool, example: String) throws -> Int? {
        guard let token = takePositional() else {
            if required { throw parser.makeError(.missingArgument(layer: layer, what: what, example: example), anchor) }
            return nil
        }
        guard let value = Int(token.text), value >= 1 else { throw parser.makeError(.badNumber(token.text, what: what), token.span) }
        return value
    }

    mutating func size(_ what: ModelError.Argument, required: Bool, example: String) throws -> Size2D? {
        guard let token = takePositional() else {
            if required { throw parser.makeError(.missingArgument(layer: layer, what: what, example: example), anchor) }
            return nil
        }
        return try parseSize(token, what, allowZero: false)
    }

    func parseSize(_ token: Token, _ what: ModelError.Argument, allowZero: Bool) throws -> Size2D {
        let text = token.text.split(separator: "=", maxSplits: 1).last.map(String.init) ?? token.text
        let parts = splitSize(text).map { Int($0) }
        let minimum = allowZero ? 0 : 1
        guard (1...2).contains(parts.count), parts.allSatisfy({ ($0 ?? -1) >= minimum }) else {
            throw parser.makeError(.badSize(text, what: what), token.span)
        }
        return parts.count == 1 ? Size2D(square: parts[0]!) : Size2D(parts[0]!, parts[1]!)
    }

    func value(_ token: Token) -> String {
        token.text.split(separator: "=", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
    }

    func parseFloat(_ token: Token, _ what: ModelError.Argument, range: ClosedRange<Float>) throws -> Float {
        let text = token.text.contains("=") ? value(token) : token.text
        guard let v = Float(text), v.isFinite, range.contains(v) else {
            throw parser.makeError(.badNumber(text, what: what), token.span)
        }
        return v
    }

    func parseInt(_ token: Token, _ what: ModelError.Argument, minimum: Int) throws -> Int {
        guard let v = Int(value(token)), v >= minimum else { throw parser.makeError(.badNumber(value(token), what: what), token.span) }
        return v
    }

    func parseBool(_ token: Token, _ what: ModelError.Argument) throws -> Bool {
        switch value(token).lowercased() {
        case "yes", "true", "on", "1", "si", "sí": return true
        case "no", "false", "off", "0": return false
        default: throw parser.makeError(.badNumber(value(token), what: what), token.span)
        }
    }

    /// Takes every remaining `key=value`, checking that each key is valid and given once.
    mutating func takeOptions(_ valid: [String]) throws -> [(String, Token)] {
        var seen: Set<String> = []
        var taken: [(String, Token)] = []
        while let token = tokens.first, token.text.contains("=") {
            tokens.removeFirst()
            let key = String(token.text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]).lowercased()
            guard valid.contains(key) else {
                throw parser.makeError(.unknownOption(layer: layer, option: key, valid: valid.filter { $0 != "padding" && $0 != "count_include_pad" }), token.span)
            }
            let canonical = ["padding": "pad", "count_include_pad": "count_pad"][key] ?? key
            guard seen.insert(canonical).inserted else { throw parser.makeError(.duplicateOption(key), token.span) }
            taken.append((key, token))
        }
        return taken
    }

    mutating func convOptions(_ conv: inout ConvSpec, allowGroups: Bool) throws {
        var valid = ["stride", "pad", "padding", "dilation", "bias"]
        valid += allowGroups ? ["groups"] : ["multiplier"]
        let one = conv.oneDimensional
        for (key, token) in try takeOptions(valid) {
            func lift(_ s: Size2D) -> Size2D { one ? Size2D(1, s.width) : s }
            switch key {
            case "stride": conv.stride = lift(try parseSize(token, .stride, allowZero: false))
            case "dilation": conv.dilation = lift(try parseSize(token, .dilation, allowZero: false))
            case "groups": conv.groups = try parseInt(token, .groups, minimum: 1)
            case "multiplier": conv.depthwiseMultiplier = try parseInt(token, .multiplier, minimum: 1)
            case "bias": conv.bias = try parseBool(token, .bias)
            default:
                switch value(token).lowercased() {
                case "same": conv.padding = .same
                case "valid": conv.padding = .valid
                default:
                    let s = try parseSize(token, .padding, allowZero: true)
                    conv.padding = .explicit(one ? Size2D(0, s.width) : s)
                }
            }
        }
    }

    /// Anything left over is an error that points at it.
    func finish() throws {
        if let token = tokens.first { throw parser.makeError(.unexpected(token.text), token.span) }
    }
}

/// `28x28x1`, `5×5`, `5X5` → ["28", "28", "1"].
func splitSize(_ text: String) -> [String] {
    text.split(omittingEmptySubsequences: false) { $0 == "x" || $0 == "X" || $0 == "×" || $0 == "*" }.map(String.init)
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var row = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = row
    }
    return previous[b.count]
}
