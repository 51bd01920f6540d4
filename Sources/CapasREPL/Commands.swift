import CapasCore
import CapasMessages
import CapasModel
import Foundation

// The `:` commands. Each takes the rest of the line as its argument.

/// An error in a command, with a message in both languages.
struct CommandError: Error, LocalizedMessage {
    let es: String, en: String
    func message(in L: Language) -> String { L.pick(es: es, en: en) }
}

extension Interpreter {
    static let commands = [":help", ":summary", ":explain", ":model", ":undo", ":reset", ":new", ":use", ":models",
                           ":compare", ":preset", ":presets", ":step", ":show", ":train", ":filters", ":network", ":plot", ":vars", ":history", ":time", ":load", ":save", ":lang", ":quit",
                           ":init", ":freeze", ":unfreeze", ":replace-head", ":sample"]

    func command(_ line: String) throws -> Reply {
        let parts = line.split(separator: " ", maxSplits: 1)
        let argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        do {
            return try command(String(parts[0]).lowercased(), argument)
        } catch let error as CalculatorError {
            // A calculation inside a command (:show conv(…), :step …): its column counts from the start of the line.
            guard let column = error.column, parts.count > 1,
                  let start = parts[1].firstIndex(where: { !$0.isWhitespace }) else { throw error }
            throw CalculatorError(error.problem, column: column + line.distance(from: line.startIndex, to: start))
        }
    }

    func command(_ name: String, _ argument: String) throws -> Reply {
        switch name {
        case ":help", ":h", ":?", ":ayuda":
            // Examples run in a session of their own: the learner's models and variables stay as they are.
            var scratch: Interpreter?
            return Reply(Help.text(topic: argument, language: L) { example in
                let session = scratch ?? Interpreter(language: L, environment: environment)
                scratch = session
                return session.execute(example)
            })
        case ":quit", ":q", ":exit", ":salir":
            return Reply("", quit: true)
        case ":history", ":hist", ":historial":
            guard !history.isEmpty else { return Reply(L.pick(es: "(todavía no hay entradas)", en: "(no entries yet)")) }
            let width = String(history.count).count
            return Reply(history.enumerated().map { i, entry in
                let number = String(i + 1)
                let pad = String(repeating: " ", count: width - number.count)
                return pad + number + "  " + entry.replacingOccurrences(of: "\n", with: "\n" + String(repeating: " ", count: width + 2))
            }.joined(separator: "\n"))
        case ":time", ":tiempo":
            throw CommandError(es: "uso: :time ENTRADA (por ejemplo :time conv(A, K))", en: "usage: :time ENTRY (for example :time conv(A, K))")
        case ":lang", ":idioma":
            switch argument.lowercased() {
            case "es", "español", "spanish": language = .es
            case "en", "english", "inglés": language = .en
            default: throw CommandError(es: "uso: :lang es|en", en: "usage: :lang es|en")
            }
            return Reply(L.pick(es: "idioma: español", en: "language: English"))
        case ":summary", ":resumen":
            let analysis = try requireAnalysis()
            var batch = 1
            if !argument.isEmpty {
                let value = argument.replacingOccurrences(of: "batch=", with: "")
                guard let b = Int(value), b >= 1, b <= 1 << 20 else {
                    throw CommandError(es: "uso: :summary [batch=N] (N entero positivo)", en: "usage: :summary [batch=N] (N a positive integer)")
                }
                batch = b
            }
            let table = try analysis.summaryTable(language: L, batchSize: batch)
            return Reply(table.text, html: table.html)
        case ":explain", ":explica":
            return Reply(try explain(argument))
        case ":model", ":modelo":
            return Reply(model.entries.isEmpty ? L.pick(es: "(el modelo `\(current)` está vacío)", en: "(model `\(current)` is empty)")
                                               : try canonicalText())
        case ":undo", ":deshacer":
            // Back to the model a :load or :preset replaced, once the lines added after it are undone.
            if let replaced = replacedModels[current]?.last, replaced.loadedEntries == model.entries.count {
                replacedModels[current]?.removeLast()
                model = replaced.previous
                return Reply(L.pick(es: "vuelve el modelo de antes de cargar: ", en: "the model from before the load is back: ")
                             + describeBriefly(replaced.previous))
            }
            var m = model
            guard let last = m.removeLast() else {
                throw CommandError(es: "no hay nada que deshacer", en: "nothing to undo")
            }
            model = Model(entries: m.entries, analysis: m.entries.count > 1 ? try? ModelAnalysis(text: m.text) : nil)
            return Reply(L.pick(es: "quitada: \(last)", en: "removed: \(last)"))
        case ":reset":
            model = Model()
            replacedModels[current] = nil
            return Reply(L.pick(es: "el modelo `\(current)` está vacío", en: "model `\(current)` is empty"))
        case ":new", ":nuevo", ":use", ":usar":
            let target = argument
            guard !target.isEmpty, target.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                throw CommandError(es: "uso: \(name) NOMBRE (letras, números, _ o -)", en: "usage: \(name) NAME (letters, digits, _ or -)")
            }
            let creating = name == ":new" || name == ":nuevo"
            if creating {
                guard models[target] == nil else {
                    throw CommandError(es: "ya existe un modelo `\(target)`; usa :use \(target)", en: "model `\(target)` exists already; use :use \(target)")
                }
                models[target] = Model()
                modelOrder.append(target)
            } else if models[target] == nil {
                throw CommandError(es: "no hay un modelo `\(target)` (modelos: \(modelOrder.joined(separator: ", ")))",
                                   en: "there is no model `\(target)` (models: \(modelOrder.joined(separator: ", ")))")
            }
            current = target
            return Reply(L.pick(es: "modelo actual: \(target)", en: "current model: \(target)"))
        case ":models", ":modelos":
            return Reply(modelOrder.map { name in
                let m = models[name]!
                let params = (try? m.analysis?.totalParameters()).flatMap { $0 }.map { grouped($0, language: L) } ?? "—"
                return (name == current ? "* " : "  ") + name + "   " + L.pick(es: "\(m.entries.count) líneas, \(params) parámetros",
                                                                                   en: "\(m.entries.count) lines, \(params) parameters")
            }.joined(separator: "\n"))
        case ":compare", ":compara":
            return Reply(try compare(argument.split(separator: " ").map(String.init)))
        case ":presets":
            return Reply(presetList())
        case ":preset":
            guard let text = Presets.text(named: argument) else {
                throw CommandError(es: "no hay un modelo predefinido `\(argument)` (ver :presets)",
                                   en: "there is no preset `\(argument)` (see :presets)")
            }
            let replaced = try load(modelText: text)
            return Reply(PresetComments.translate(text.trimmingCharacters(in: .newlines), to: L) + "\n\n"
                         + (try requireAnalysis().summary(language: L)) + replaced)
        case ":vars":
            if variables.isEmpty { return Reply(L.pick(es: "(no hay variables)", en: "(no variables)")) }
            return Reply(variables.keys.sorted().map { key in
                let shape: String
                switch variables[key]! {
                case .number: shape = L.pick(es: "número", en: "number")
                case let .tensor(t): shape = t.shape.map(String.init).joined(separator: "×")
                }
                if let image = imageVariables[key] { return "  \(key)  \(shape)  \(image.describe(L))" }
                return "  \(key)  \(shape)"
            }.joined(separator: "\n"))
        case ":step", ":paso":
            return Reply(try step(argument))
        case ":show", ":muestra":
            return Reply(try show(argument))
        case ":train", ":entrena":
            return Reply(try train(argument))
        case ":sample", ":genera":
            return Reply(try sample(argument))
        case ":network", ":red":
            return Reply(try network(argument))
        case ":filters", ":filtros":
            return Reply(try filters(argument))
        case ":plot", ":grafica", ":gráfica":
            return Reply(try plot(argument))
        case ":load", ":carga":
            return Reply(try loadFile(argument))
        case ":save", ":guarda":
            return Reply(try saveFile(argument))
        case ":init", ":inicia":
            return Reply(try initWeights(argument))
        case ":freeze", ":congela":
            return Reply(try freezeLayers(argument, frozen: true))
        case ":unfreeze", ":descongela":
            return Reply(try freezeLayers(argument, frozen: false))
        case ":replace-head", ":cabeza":
            return Reply(try replaceHead(argument))
        default:
            let suggestion = closest(name, Interpreter.commands)
            throw CommandError(es: "no existe el comando \(name)" + (suggestion.map { "; ¿querías decir \($0)?" } ?? " (ver :help)"),
                               en: "there is no command \(name)" + (suggestion.map { "; did you mean \($0)?" } ?? " (see :help)"))
        }
    }

    /// Every preset on one line: its name, input, parameter count (computed from its text) and description.
    func presetList() -> String {
        var rows = [[L.pick(es: "nombre", en: "name"), L.pick(es: "entrada", en: "input"),
                     L.pick(es: "parámetros", en: "parameters"), L.pick(es: "descripción", en: "description")]]
        for preset in Presets.all {
            let analysis = try? ModelAnalysis(text: preset.text)
            let parameters = (try? analysis?.totalParameters()).flatMap { $0 }
            rows.append([preset.name, analysis?.input.description ?? "—", parameters.map { grouped($0, language: L) } ?? "—",
                         preset.describe(L)])
        }
        return Display.table(rows, numeric: [2]) + "\n"
            + L.pick(es: "carga uno con :preset NOMBRE (reemplaza el modelo actual); :summary muestra sus capas",
                     en: "load one with :preset NAME (it replaces the current model); :summary shows its layers")
    }

    func requireAnalysis() throws -> ModelAnalysis {
        guard let analysis = model.analysis else {
            throw CommandError(es: "el modelo `\(current)` no tiene capas todavía: empieza con `input 28x28x1` y una capa",
                               en: "model `\(current)` has no layers yet: start with `input 28x28x1` and a layer")
        }
        return analysis
    }

    func canonicalText() throws -> String {
        try ModelText(parsing: model.text).text.trimmingCharacters(in: .newlines)
    }

    /// Replaces the current model by a whole model text (a preset or a file).
    /// A model that had lines is kept for :undo; returns the line that says
    /// so (empty when the model was empty).
    @discardableResult
    func load(modelText text: String) throws -> String {
        let previous = model
        let analysis = try ModelAnalysis(text: text)
        let parsed = try ModelText(parsing: text)
        var entries = parsed.text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        // Keep blocks as one entry each, so :undo removes a whole block.
        entries = groupBlocks(entries)
        model = Model(entries: entries, analysis: analysis)
        guard !previous.entries.isEmpty else { return "" }
        replacedModels[current, default: []].append((entries.count, previous))
        return L.pick(es: "reemplaza a: ", en: "replaced: ") + describeBriefly(previous)
            + L.pick(es: " (:undo lo recupera)", en: " (:undo brings it back)")
    }

    /// `3 lines: input 28x28x1, flatten, dense 10` (the first and last lines when there are many).
    func describeBriefly(_ m: Model) -> String {
        guard !m.entries.isEmpty else { return L.pick(es: "(vacío)", en: "(empty)") }
        let lines = m.entries.flatMap { $0.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) } }
        let shown = lines.count <= 4 ? lines : Array(lines.prefix(2)) + ["…"] + Array(lines.suffix(1))
        let count = lines.count == 1 ? L.pick(es: "1 línea", en: "1 line") : L.pick(es: "\(lines.count) líneas", en: "\(lines.count) lines")
        return count + ": " + shown.joined(separator: ", ")
    }

    func groupBlocks(_ lines: [String]) -> [String] {
        var out: [String] = [], pending: [String] = [], depth = 0
        for line in lines {
            pending.append(line)
            depth += line.filter { $0 == "{" }.count - line.filter { $0 == "}" }.count
            if depth <= 0 { out.append(pending.joined(separator: "\n")); pending = []; depth = 0 }
        }
        if !pending.isEmpty { out.append(pending.joined(separator: "\n")) }
        return out
    }

    func explain(_ argument: String) throws -> String {
        let analysis = try requireAnalysis()
        guard let layer = analysis.layers.first(where: { $0.name == argument })
                ?? Int(argument).flatMap({ $0 >= 0 && $0 < analysis.layers.count ? analysis.layers[$0] : nil }) else {
            throw CommandError(es: "uso: :explain N, con N el número entre corchetes de una capa (0…\(analysis.layers.count - 1))",
                               en: "usage: :explain N, with N the number in brackets of a layer (0…\(analysis.layers.count - 1))")
        }
        let e = layer.explanation(language: L)
        var lines = [describe(layer, in: analysis).split(separator: "\n").first.map(String.init) ?? ""]
        lines.append(L.pick(es: "  forma:", en: "  shape:"))
        lines += e.shape.map { "    " + $0 }
        lines.append(L.pick(es: "  parámetros: ", en: "  parameters: ") + e.parameters)
        if let macs = e.multiplyAdds {
            lines.append(L.pick(es: "  multiplicaciones-sumas por imagen: ", en: "  multiply-adds per image: ") + macs)
        }
        let values = layer.outputShape.elementCount ?? 0
        lines.append(L.pick(es: "  memoria de la salida: \(grouped(values, language: L)) valores × 4 bytes = \(grouped(values * 4, language: L)) bytes por imagen",
                            en: "  output memory: \(grouped(values, language: L)) values × 4 bytes = \(grouped(values * 4, language: L)) bytes per image"))
        lines += e.notes.map { "  " + L.pick(es: "nota: ", en: "note: ") + $0 }
        return lines.joined(separator: "\n")
    }

    func compare(_ names: [String]) throws -> String {
        guard names.count >= 2 else {
            throw CommandError(es: "uso: :compare MODELO1 MODELO2 …", en: "usage: :compare MODEL1 MODEL2 …")
        }
        // Trained models add their test accuracy (after their last complete epoch) and the data it was measured on.
        let trained = names.contains { run(of: $0)?.testAccuracy != nil }
        var rows = [["", L.pick(es: "salida", en: "output"), L.pick(es: "parámetros", en: "parameters"),
                     L.pick(es: "mult-sumas", en: "mult-adds"), L.pick(es: "capas", en: "layers")]
                    + (trained ? [L.pick(es: "exactitud prueba", en: "test accuracy"), L.pick(es: "datos", en: "data")] : [])]
        for name in names {
            guard let m = models[name] else {
                throw CommandError(es: "no hay un modelo `\(name)` (modelos: \(modelOrder.joined(separator: ", ")))",
                                   en: "there is no model `\(name)` (models: \(modelOrder.joined(separator: ", ")))")
            }
            guard let a = m.analysis else {
                throw CommandError(es: "el modelo `\(name)` no tiene capas", en: "model `\(name)` has no layers")
            }
            var row = [name, a.output.description, grouped(try a.totalParameters(), language: L), grouped(try a.totalMultiplyAdds(), language: L),
                       String(a.layers.count)]
            if trained {
                if let run = run(of: name), let accuracy = run.testAccuracy {
                    row += [L.decimal(String(format: "%.4f", accuracy)), run.dataset + L.pick(es: ", \(run.epochs.count) ép.", en: ", \(run.epochs.count) ep.")]
                } else {
                    row += ["—", L.pick(es: "sin entrenar (:train)", en: "untrained (:train)")]
                }
            }
            rows.append(row)
        }
        return Display.table(rows, numeric: [2, 3, 4, 5])
    }

    // MARK: :step

    /// `:step conv(A, K)` or `:step conv(A, K) at 1 2`: one output element, term by term.
    func step(_ argument: String) throws -> String {
        var expressionText = argument, row = 0, column = 0
        if let range = argument.range(of: " at ", options: .backwards) {
            let numbers = argument[range.upperBound...].split(whereSeparator: { $0 == " " || $0 == "," }).compactMap { Int($0) }
            guard numbers.count == 2 else {
                throw CommandError(es: "uso: :step conv(A, K) at FILA COLUMNA (desde 0)", en: "usage: :step conv(A, K) at ROW COLUMN (from 0)")
            }
            (row, column) = (numbers[0], numbers[1])
            expressionText = String(argument[..<range.lowerBound])
        }
        var parser = try CalcParser(expressionText)
        let (_, expression) = try parser.parseEntry()
        guard case let .call(function, positional, named, _) = expression, ["conv", "maxpool", "avgpool"].contains(function) else {
            throw CommandError(es: "uso: :step conv(A, K), :step maxpool(A, 2) o :step avgpool(A, 2)",
                               en: "usage: :step conv(A, K), :step maxpool(A, 2) or :step avgpool(A, 2)")
        }
        let evaluator = Evaluator(variables: variables, language: L, datasets: datasets, budget: calculatorBudget ?? CalculatorBudget())
        let args = try positional.map(evaluator.evaluate)
        var options: [String: Int] = [:]
        for (key, value) in named {
            guard case let .number(x) = try evaluator.evaluate(value), x == x.rounded(), abs(x) < 1e9 else {
                throw CommandError(es: "\(key) debe ser un número entero", en: "\(key) must be a whole number")
            }
            options[key] = Int(x)
        }
        guard args.count >= 2 else {
            throw CommandError(es: "\(function) necesita dos argumentos", en: "\(function) needs two arguments")
        }
        let result = try evaluator.evaluate(expression)
        guard case let .tensor(output) = result else { return Display.value(result, language: L) }
        let (oh, ow) = (output.shape[output.rank - 2], output.shape[output.rank - 1])
        guard row >= 0, row < oh, column >= 0, column < ow else {
            throw CommandError(es: "la salida es de \(oh)×\(ow): la posición (\(row), \(column)) no existe",
                               en: "the output is \(oh)×\(ow): there is no position (\(row), \(column))")
        }
        let input = args[0].asTensor
        let x = input.rank == 2 ? Tensor(shape: [1] + input.shape, data: input.data) : input
        let (channels, h, w) = (x.shape[0], x.shape[1], x.shape[2])
        let pad = options["pad"] ?? 0
        func pixel(_ c: Int, _ i: Int, _ j: Int) -> Double {
            (i < 0 || j < 0 || i >= h || j >= w) ? 0 : Double(x.data[(c * h + i) * w + j])
        }
        var lines: [String] = []
        if function == "conv" {
            let k = args[1].asTensor
            let stride = options["stride"] ?? 1
            let f = (k.shape[k.rank - 2], k.shape[k.rank - 1])
            let kernelChannels = k.rank >= 3 ? k.shape[k.rank - 3] : 1
            guard k.rank <= 3, kernelChannels == channels else {
                throw CommandError(es: ":step muestra un filtro a la vez: usa un núcleo f×f o C×f×f",
                                   en: ":step shows one filter at a time: use an f×f or C×f×f kernel")
            }
            var terms: [String] = [], total = 0.0
            for c in 0..<channels {
                for i in 0..<f.0 {
                    for j in 0..<f.1 {
                        let a = pixel(c, row * stride - pad + i, column * stride - pad + j)
                        let b = Double(k.data[(c * f.0 + i) * f.1 + j])
                        terms.append("\(format(a, L))×\(format(b, L))")
                        total += a * b
                    }
                }
            }
            let bias = Double(options["bias"] ?? 0)
            let origin = "(\(row * stride - pad), \(column * stride - pad))"
            lines.append(L.pick(es: "salida[\(row), \(column)]: la ventana de \(f.0)×\(f.1) que empieza en \(origin) de la entrada\(pad > 0 ? " con relleno \(pad)" : ""), multiplicada elemento a elemento por el núcleo y sumada\(channels > 1 ? " sobre los \(channels) canales" : ""):",
                                en: "output[\(row), \(column)]: the \(f.0)×\(f.1) window starting at \(origin) of the input\(pad > 0 ? " padded by \(pad)" : ""), multiplied elementwise by the kernel and summed\(channels > 1 ? " over the \(channels) channels" : ""):"))
            lines.append("  " + terms.joined(separator: " + ") + (bias != 0 ? " + \(format(bias, L))" : "") + " = \(format(total + bias, L))")
        } else {
            guard case let .number(sizeValue) = args[1] else {
                throw CommandError(es: "el tamaño de la ventana debe ser un número", en: "the window size must be a number")
            }
            let size = Int(sizeValue), stride = options["stride"] ?? size
            var window: [Double] = []
            for i in 0..<size { for j in 0..<size { window.append(pixel(0, row * stride - pad + i, column * stride - pad + j)) } }
            // A decimal comma in Spanish: values are separated by semicolons there.
            let shown = window.map { format($0, L) }.joined(separator: L == .es ? "; " : ", ")
            if function == "maxpool" {
                lines.append("max(\(shown)) = \(format(window.max() ?? 0, L))")
            } else {
                lines.append("(\(window.map { format($0, L) }.joined(separator: " + ")))/\(window.count) = \(format(window.reduce(0, +) / Double(window.count), L))")
            }
        }
        lines.append(L.pick(es: "resultado completo:", en: "whole result:"))
        lines.append(Display.tensor(output, language: L))
        return lines.joined(separator: "\n")
    }

    // MARK: files

    func loadFile(_ path: String) throws -> String {
        guard !path.isEmpty else { throw CommandError(es: "uso: :load ARCHIVO (.capas, .md o .ipynb)", en: "usage: :load FILE (.capas, .md or .ipynb)") }
        let url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw CommandError(es: "no se puede leer \(path)", en: "cannot read \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CommandError(es: "\(path) no es texto UTF-8", en: "\(path) is not UTF-8 text")
        }
        if url.pathExtension.lowercased() == "ipynb" { return try loadJupyter(data, path: path) }
        if url.pathExtension.lowercased() == "md" {
            let notebook = Notebook(text: text)
            var outputs: [String] = []
            let previousBudget = calculatorBudget
            calculatorBudget = previousBudget ?? CalculatorBudget.notebook()
            defer { calculatorBudget = previousBudget }
            for cell in notebook.cells {
                for entry in Notebook.entries(in: cell.source, interpreter: self) {
                    let reply = execute(entry)
                    if reply.isError {
                        throw CommandError(es: "\(path), celda en la línea \(cell.line): \(reply.text)",
                                           en: "\(path), cell at line \(cell.line): \(reply.text)")
                    }
                    if !reply.text.isEmpty { outputs.append(reply.text) }
                }
            }
            return outputs.joined(separator: "\n") + "\n" + L.pick(es: "(\(notebook.cells.count) celdas de \(path))", en: "(\(notebook.cells.count) cells from \(path))")
        }
        let replaced = try load(modelText: text)
        return L.pick(es: "modelo `\(current)` cargado de \(path)\n", en: "model `\(current)` loaded from \(path)\n")
            + (try requireAnalysis().summary(language: L)) + replaced
    }

    func saveFile(_ path: String) throws -> String {
        guard !path.isEmpty else { throw CommandError(es: "uso: :save ARCHIVO.md o ARCHIVO.ipynb (cuaderno) o ARCHIVO.capas (modelo)", en: "usage: :save FILE.md or FILE.ipynb (notebook) or FILE.capas (model)") }
        let url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        let text: String
        if url.pathExtension.lowercased() == "ipynb" {
            let book = JupyterNotebook.render(transcript: transcript.filter { !$0.entry.hasPrefix(":save") }, language: L)
            text = String(decoding: book.serialized(), as: UTF8.self)
        } else if url.pathExtension.lowercased() == "md" {
            text = Notebook.render(transcript: transcript.filter { !$0.entry.hasPrefix(":save") }, language: L)
        } else {
            guard !model.entries.isEmpty else { throw CommandError(es: "el modelo está vacío", en: "the model is empty") }
            text = try canonicalText() + "\n"
        }
        do {
            // Written beside the target and renamed over it: a failure never leaves half a file.
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw CommandError(es: "no se puede escribir \(path): \(error.localizedDescription)", en: "cannot write \(path): \(error.localizedDescription)")
        }
        return L.pick(es: "guardado en \(path)", en: "saved to \(path)")
    }
}
