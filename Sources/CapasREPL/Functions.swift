import CapasCore
import CapasMessages
import CapasModel
import Foundation

// The course's operations on literal matrices, computed by the core's own
// layers (Conv2D, Pool2D, Activation, Softmax): what the learner checks by
// hand here is what trains.
//
//   conv(A, K, stride=1, pad=0, bias=0)   A: H×W or C×H×W; K: f×f, C×f×f, or N×C×f×f for N filters
//   maxpool(A, f, stride=f, pad=0), avgpool(...)
//   relu, sigmoid, tanh, leakyrelu(A, slope=0.01), elu(A, alpha=1)
//   softmax(z)                            over the last axis
//   crossentropy(p, label)                −ln p[label]; label counts from 0
//   outsize(n=, f=, p=0, s=1)             ⌊(n + 2p − f)/s⌋ + 1
//   params(f=, c=, k=)  params(inputs=, outputs=)

enum Functions {
    static let names = ["conv", "maxpool", "avgpool", "relu", "sigmoid", "tanh", "leakyrelu", "elu", "softmax",
                        "crossentropy", "outsize", "params", "sum", "max", "min", "mean", "exp", "log", "ln", "log10",
                        "sqrt", "abs", "floor", "ceil", "round", "transpose", "rot180", "shape", "image", "imagen"]

    static func call(_ name: String, _ args: [Value], _ options: [String: Value], column: Int,
                     language L: Language, budget: CalculatorBudget = CalculatorBudget(),
                     notes: inout [String]) throws -> Value {
        func fail(_ en: String, _ es: String) -> CalculatorError {
            CalculatorError(.wrongArgument(function: name, detail: en, detailSpanish: es), column: column)
        }
        func tensor(_ i: Int, _ what: String, _ queQue: String) throws -> Tensor {
            guard i < args.count else { throw fail("missing argument \(i + 1) (\(what))", "falta el argumento \(i + 1) (\(queQue))") }
            return args[i].asTensor
        }
        func integer(_ key: String, position: Int? = nil, default value: Int? = nil) throws -> Int {
            let given = options[key] ?? position.flatMap { $0 < args.count ? args[$0] : nil }
            guard let given else {
                if let value { return value }
                throw fail("missing \(key)=", "falta \(key)=")
            }
            guard case let .number(x) = given, x == x.rounded(), abs(x) < 1e15 else {
                throw fail("\(key) must be a whole number", "\(key) debe ser un número entero")
            }
            return Int(x)
        }
        func number(_ key: String, position: Int? = nil, default value: Double) throws -> Double {
            let given = options[key] ?? position.flatMap { $0 < args.count ? args[$0] : nil }
            guard let given else { return value }
            guard case let .number(x) = given else { throw fail("\(key) must be a number", "\(key) debe ser un número") }
            return x
        }
        func allowOnly(_ keys: [String], positional: Int) throws {
            for key in options.keys where !keys.contains(key) {
                throw fail("unknown option \(key)= (options: \(keys.map { $0 + "=" }.joined(separator: ", ")))",
                           "opción desconocida \(key)= (opciones: \(keys.map { $0 + "=" }.joined(separator: ", ")))")
            }
            if args.count > positional && positional == 0 {
                // outsize(28, 5, 0, 1): which number is p and which s? The names say it.
                let named = zip(keys, args).map { key, value -> String in
                    if case let .number(x) = value { return "\(key)=\(format(x))" }
                    return "\(key)=…"
                }
                let example = args.count <= keys.count ? "\(name)(\(named.joined(separator: ", ")))"
                                                       : "\(name)(\(keys.map { "\($0)=…" }.joined(separator: ", ")))"
                throw fail("its arguments must be named (\(keys.joined(separator: ", "))): write \(example)",
                           "sus argumentos van con nombre (\(keys.joined(separator: ", "))): escribe \(example)")
            }
            if args.count > positional {
                throw fail(positional == 1 ? "takes at most 1 value without a name" : "takes at most \(positional) values without a name",
                           positional == 1 ? "admite como mucho 1 valor sin nombre" : "admite como mucho \(positional) valores sin nombre")
            }
        }

        switch name {
        case "conv":
            try allowOnly(["stride", "pad", "bias"], positional: 2)
            let (y, _) = try convolution(try tensor(0, "the input", "la entrada"), try tensor(1, "the kernel", "el núcleo"),
                                         stride: try integer("stride", default: 1), pad: try integer("pad", default: 0),
                                         bias: try number("bias", default: 0), budget: budget, column: column, fail: fail)
            return .tensor(y)
        case "maxpool", "avgpool":
            try allowOnly(["size", "stride", "pad"], positional: 2)
            let size = try integer("size", position: 1)
            let y = try pooling(name == "maxpool" ? .max : .average, try tensor(0, "the input", "la entrada"), size: size,
                                stride: try integer("stride", default: size), pad: try integer("pad", default: 0),
                                budget: budget, column: column, fail: fail)
            return .tensor(y)
        case "relu", "sigmoid", "tanh", "leakyrelu", "elu":
            try allowOnly(["slope", "alpha"], positional: 1)
            let x = try tensor(0, "the input", "la entrada")
            try budget.charge(x.count, column: column)
            let f: ActivationFunction
            switch name {
            case "relu": f = .relu
            case "sigmoid": f = .sigmoid
            case "tanh": f = .tanh
            case "leakyrelu": f = .leakyReLU(slope: Float(try number("slope", default: 0.01)))
            default: f = .elu(alpha: Float(try number("alpha", default: 1)))
            }
            return wrap(Activation(f).forward(x.shape.isEmpty ? Tensor(shape: [1], data: x.data) : x, mode: .evaluation),
                        like: args[0])
        case "softmax":
            try allowOnly([], positional: 1)
            let z = try tensor(0, "the scores", "los puntajes")
            guard !z.shape.isEmpty, z.count > 0 else { throw fail("needs a vector of scores", "necesita un vector de puntajes") }
            try budget.charge(z.count, column: column)
            // Rows of the last axis: a vector is one row, a matrix one softmax per row.
            let k = z.shape.last!, rows = z.count / k
            let y = Softmax().forward(Tensor(shape: [rows, k], data: z.data), mode: .evaluation)
            return .tensor(Tensor(shape: z.shape, data: y.data))
        case "crossentropy":
            try allowOnly([], positional: 2)
            let p = try tensor(0, "the probabilities", "las probabilidades")
            let label = try integer("label", position: 1)
            guard p.rank == 1, p.count > 0 else {
                throw fail("the first argument is one vector of probabilities", "el primer argumento es un vector de probabilidades")
            }
            guard label >= 0 && label < p.count else {
                throw fail("label \(label) is outside 0…\(p.count - 1) (classes count from 0)",
                           "la etiqueta \(label) está fuera de 0…\(p.count - 1) (las clases se cuentan desde 0)")
            }
            try budget.charge(p.count, column: column)
            let total = p.data.reduce(0, +)
            guard p.data.allSatisfy({ $0 >= 0 }), abs(total - 1) < 1e-3 else {
                // At most 8 values are quoted: the vector may be long.
                let shown = "[" + p.data.prefix(8).map { format(Double($0)) }.joined(separator: ", ") + (p.count > 8 ? ", …]" : "]")
                throw fail("\(shown) are not probabilities (they must be ≥ 0 and add up to 1); for scores use crossentropy(softmax(z), \(label))",
                           "\(shown) no son probabilidades (deben ser ≥ 0 y sumar 1); para puntajes usa crossentropy(softmax(z), \(label))")
            }
            let q = Double(p.data[label])
            let ln = -Foundation.log(q)
            notes.append(L.pick(
                es: "−ln(\(format(q, L))) = \(format(ln, L)) (logaritmo natural, el de PyTorch y Keras); en base 10, la que usa una de las diapositivas, sería −log10(\(format(q, L))) = \(format(-Foundation.log10(q), L))",
                en: "−ln(\(format(q, L))) = \(format(ln, L)) (natural log, as PyTorch and Keras use); in base 10, which one of the slides uses, it would be −log10(\(format(q, L))) = \(format(-Foundation.log10(q), L))"))
            return .number(ln)
        case "outsize":
            try allowOnly(["n", "f", "p", "s"], positional: 0)
            let n = try integer("n"), f = try integer("f"), p = try integer("p", default: 0), s = try integer("s", default: 1)
            // Checked before the formula: s = 0 would divide by zero.
            guard n >= 1, f >= 1, s >= 1, p >= 0 else {
                throw fail("n, f and s must be whole numbers ≥ 1 and p ≥ 0 (here n=\(n), f=\(f), p=\(p), s=\(s))",
                           "n, f y s deben ser enteros ≥ 1 y p ≥ 0 (aquí n=\(n), f=\(f), p=\(p), s=\(s))")
            }
            let out = try windowOutputSize(layer: "outsize", axis: .width, input: n, padBefore: p, padAfter: p,
                                           kernel: f, stride: s, dilation: 1)
            let numerator = n + 2 * p - f
            let coverage = WindowCoverage(n: n, before: p, after: p, kernel: f, stride: s, outputs: out)
            if numerator % s == 0 {
                notes.append("(n + 2p − f)/s + 1 = (\(n) + 2·\(p) − \(f))/\(s) + 1 = \(out)")
            } else {
                notes.append("⌊(n + 2p − f)/s⌋ + 1 = ⌊(\(n) + 2·\(p) − \(f))/\(s)⌋ + 1 = ⌊\(format(Double(numerator) / Double(s), L))⌋ + 1 = \(out)")
                let end = coverage?.endNote(which: ("", ""), zeros: true, language: L) ?? ""
                notes.append(L.pick(es: "\(numerator) no es divisible por \(s): el resultado se redondea hacia abajo\(end)",
                                    en: "\(numerator) is not divisible by \(s): the result is floored\(end)"))
            }
            if let skip = coverage?.skipNote(which: ("", ""), f: f, s: s, d: 1, language: L) { notes.append(skip) }
            return .number(Double(out))
        case "params":
            if options["inputs"] != nil || options["outputs"] != nil {
                try allowOnly(["inputs", "outputs"], positional: 0)
                let i = try integer("inputs"), o = try integer("outputs")
                guard i >= 1, o >= 1 else { throw fail("inputs and outputs must be positive", "inputs y outputs deben ser positivos") }
                let count = try Checked.mul(try Checked.add(i, 1, "params"), o, "params")
                notes.append("(inputs + 1)·outputs = (\(i) + 1)·\(o) = \(count)")
                return .number(Double(count))
            }
            try allowOnly(["f", "c", "k"], positional: 0)
            let f = try integer("f"), c = try integer("c"), k = try integer("k")
            guard f >= 1, c >= 1, k >= 1 else { throw fail("f, c and k must be positive", "f, c y k deben ser positivos") }
            let count = try Checked.mul(try Checked.add(try Checked.product([f, f, c], "params"), 1, "params"), k, "params")
            notes.append("(f·f·c + 1)·k = (\(f)·\(f)·\(c) + 1)·\(k) = \(count)")
            return .number(Double(count))
        case "sum", "max", "min", "mean":
            try allowOnly([], positional: 1)
            let t = try tensor(0, "the values", "los valores")
            guard t.count > 0 else { throw fail("needs at least one value", "necesita al menos un valor") }
            // A reduction makes a copy in Double: charged, so summing a large variable over and over runs out of budget.
            try budget.charge(t.count, column: column)
            let values = t.data.map(Double.init)
            switch name {
            case "sum": return .number(values.reduce(0, +))
            case "max": return .number(values.max()!)
            case "min": return .number(values.min()!)
            default: return .number(values.reduce(0, +) / Double(values.count))
            }
        case "exp", "log", "ln", "log10", "sqrt", "abs", "floor", "ceil", "round":
            try allowOnly([], positional: 1)
            let f: (Double) -> Double
            switch name {
            case "exp": f = Foundation.exp
            case "log", "ln": f = Foundation.log
            case "log10": f = Foundation.log10
            case "sqrt": f = { $0.squareRoot() }
            case "floor": f = { $0.rounded(.down) }
            case "ceil": f = { $0.rounded(.up) }
            case "round": f = { $0.rounded() }
            default: f = { Swift.abs($0) }
            }
            switch try (args.first ?? { throw fail("missing argument", "falta el argumento") }()) {
            case let .number(x): return .number(f(x))
            case let .tensor(t):
                try budget.charge(t.count, column: column)
                return .tensor(Tensor(shape: t.shape, data: t.data.map { Float(f(Double($0))) }))
            }
        case "transpose":
            try allowOnly([], positional: 1)
            let t = try tensor(0, "the matrix", "la matriz")
            guard t.rank == 2 else { throw fail("needs a matrix", "necesita una matriz") }
            try budget.charge(t.count, column: column)
            let (r, c) = (t.shape[0], t.shape[1])
            return .tensor(Tensor(shape: [c, r], data: (0..<(r * c)).map { t.data[($0 % r) * c + $0 / r] }))
        case "rot180":
            // A kernel turned half a turn: what a true convolution uses instead of cross-correlation.
            try allowOnly([], positional: 1)
            let t = try tensor(0, "the matrix", "la matriz")
            guard t.rank >= 2 else { throw fail("needs a matrix (or a stack of matrices)", "necesita una matriz (o una pila de matrices)") }
            try budget.charge(t.count, column: column)
            let plane = t.shape[t.rank - 2] * t.shape[t.rank - 1]
            var data = t.data
            for start in stride(from: 0, to: data.count, by: max(plane, 1)) { data[start..<(start + plane)].reverse() }
            return .tensor(Tensor(shape: t.shape, data: data))
        case "shape":
            try allowOnly([], positional: 1)
            let t = try tensor(0, "the value", "el valor")
            return .tensor(Tensor(shape: [t.rank], data: t.shape.map(Float.init)))
        default:
            throw CalculatorError(.unknownFunction(name, suggestion: closest(name, names)), column: column)
        }
    }

    static func wrap(_ t: Tensor, like original: Value) -> Value {
        if case .number = original { return .number(Double(t.data[0])) }
        return .tensor(t)
    }

    /// The course's convolution on literal matrices, through the core's Conv2D.
    /// Returns the output and the [C, H, W] input and [N, C, f, f] kernel it used.
    static func convolution(_ a: Tensor, _ k: Tensor, stride: Int, pad: Int, bias: Double,
                            budget: CalculatorBudget = CalculatorBudget(), column: Int? = nil,
                            fail: (String, String) -> CalculatorError) throws -> (Tensor, (x: Tensor, w: Tensor)) {
        guard a.rank == 2 || a.rank == 3 else {
            throw fail("the input must be a matrix H×W or a tensor C×H×W, not shape \(a.shape)",
                       "la entrada debe ser una matriz H×W o un tensor C×H×W, no de forma \(a.shape)")
        }
        let x = a.rank == 2 ? Tensor(shape: [1] + a.shape, data: a.data) : a
        let channels = x.shape[0]
        let w: Tensor
        switch k.rank {
        case 2 where channels == 1: w = Tensor(shape: [1, 1] + k.shape, data: k.data)
        case 3 where k.shape[0] == channels: w = Tensor(shape: [1] + k.shape, data: k.data)
        case 4 where k.shape[1] == channels: w = k
        default:
            throw fail("the kernel \(k.shape) does not match an input with \(channels) channel(s): use f×f for one channel, C×f×f (one filter over C channels) or N×C×f×f (N filters)",
                       "el núcleo \(k.shape) no corresponde a una entrada de \(channels) canal(es): usa f×f para un canal, C×f×f (un filtro sobre C canales) o N×C×f×f (N filtros)")
        }
        let config = ConvolutionConfig(inChannels: channels, outChannels: w.shape[0], kernel: Size2D(w.shape[2], w.shape[3]),
                                       stride: Size2D(stride, stride), padding: Padding2D(pad, pad), bias: bias != 0)
        let out = try config.outputShape(for: .image(height: x.shape[1], width: x.shape[2], channels: channels))
        try charge(output: out, input: x.shape, pad: pad, window: [channels, w.shape[2], w.shape[3]], filters: w.shape[0],
                   budget: budget, column: column)
        var generator = SeededGenerator(seed: 0)
        let layer = Conv2D(config, generator: &generator)
        layer.weight.value = w
        layer.bias?.value = Tensor(repeating: Float(bias), shape: [w.shape[0]])
        let y = layer.forward(Tensor(shape: [1] + x.shape, data: x.data), mode: .evaluation)
        let shape = w.shape[0] == 1 ? Array(y.shape.suffix(2)) : Array(y.shape.dropFirst())
        return (Tensor(shape: shape, data: y.data), (x, w))
    }

    static func pooling(_ kind: PoolingConfig.Kind, _ a: Tensor, size: Int, stride: Int, pad: Int,
                        budget: CalculatorBudget = CalculatorBudget(), column: Int? = nil,
                        fail: (String, String) -> CalculatorError) throws -> Tensor {
        guard a.rank == 2 || a.rank == 3 else {
            throw fail("the input must be a matrix H×W or a tensor C×H×W, not shape \(a.shape)",
                       "la entrada debe ser una matriz H×W o un tensor C×H×W, no de forma \(a.shape)")
        }
        let x = a.rank == 2 ? Tensor(shape: [1] + a.shape, data: a.data) : a
        let config = PoolingConfig(kind: kind, kernel: Size2D(size, size), stride: Size2D(stride, stride), padding: Size2D(pad, pad))
        let out = try config.outputShape(for: .image(height: x.shape[1], width: x.shape[2], channels: x.shape[0]))
        try charge(output: out, input: x.shape, pad: pad, window: [size, size], filters: 1, budget: budget, column: column)
        let y = Pool2D(config).forward(Tensor(shape: [1] + x.shape, data: x.data), mode: .evaluation)
        return Tensor(shape: a.rank == 2 ? Array(y.shape.suffix(2)) : Array(y.shape.dropFirst()), data: y.data)
    }
}

/// Charges a window operation to the budget **before anything is allocated**,
/// from the shapes with overflow-checked arithmetic: the padded input, the
/// windows unrolled one row per output position (what the core's im2col
/// builds), the output, and the multiply-adds.
func charge(output: FeatureShape, input: [Int], pad: Int, window: [Int], filters: Int,
            budget: CalculatorBudget, column: Int?) throws {
    func product(_ values: [Int]) -> Int? { values.checkedProduct }
    func plus(_ a: Int, _ b: Int) -> Int? { let (r, o) = a.addingReportingOverflow(b); return o ? nil : r }
    let twice = pad.multipliedReportingOverflow(by: 2)
    let padded = twice.overflow ? nil : plus(input[1], twice.partialValue).flatMap { h in
        plus(input[2], twice.partialValue).flatMap { w in product([input[0], h, w]) } }
    let positions = product(Array(output.dims.suffix(2)))
    let unrolled = positions.flatMap { p in product(window).flatMap { product([p, $0]) } }
    try budget.charge(padded, column: column)
    try budget.charge(unrolled, column: column)
    try budget.charge(output.elementCount, column: column)
    try budget.chargeWork(unrolled.flatMap { product([$0, filters]) }, column: column)
}

/// A number as the learner's language writes it: `0.8861` in English, `0,8861` in Spanish.
func format(_ x: Double, _ L: Language) -> String { L.decimal(format(x)) }

/// Numbers as the course writes them: integers without decimals, others with up to 4
/// (with a decimal point: model text, input echoed back; `format(x, L)` for prose).
func format(_ x: Double) -> String {
    if x.isNaN { return "NaN" }
    if x.isInfinite { return x > 0 ? "∞" : "−∞" }
    if x == x.rounded() && abs(x) < 1e15 { return String(Int(x)) }
    var text = String(format: "%.4f", x)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    // A tiny negative number rounds to −0: it is written 0.
    if text == "-0" || text.isEmpty { return "0" }
    return text
}
