import Foundation
import CapasMessages
import CapasREPL

/// The answers a learner wrote in a notebook's ```answer cells: one
/// `name = expression` a line (brackets may span lines), `#` comments,
/// `name = ?` for a question not answered yet.
public struct AnswerSheet: Sendable {
    public struct Answer: Sendable, Equatable {
        public var name: String
        public var expression: String
        /// 1-based line in the notebook (in a Jupyter notebook, in the cell).
        public var line: Int
        /// A Jupyter notebook's cell (1-based), nil in Markdown.
        public var cell: Int? = nil

        /// `nb.md:7` or `nb.ipynb, celda 3, línea 1`.
        public func place(_ path: String) -> Bilingual { AnswerSheet.place(path, cell: cell, line: line) }
    }

    public static func place(_ path: String, cell: Int?, line: Int) -> Bilingual {
        guard let cell else { return Bilingual("\(path):\(line)") }
        return Bilingual(es: "\(path), celda \(cell), línea \(line)", en: "\(path), cell \(cell), line \(line)")
    }
    /// In the order written; a later answer to the same question replaces the earlier one.
    public private(set) var answers: [Answer] = []
    /// Lines in answer cells that are not `name = expression`.
    public var malformed: [(line: Int, text: String)] = []
    /// For a Jupyter notebook read as Markdown: the cell and the line in it of each line of an answer cell.
    var places: [Int: (cell: Int, line: Int)] = [:]

    /// The answers of a Jupyter notebook (its answer cells: raw or code cells with metadata
    /// `{"capas_answer": true}` or first line `%%answer`), placed by cell and line.
    public init(jupyter book: JupyterNotebook) {
        let (text, places) = book.markdownWithPlaces()
        self.init(notebook: text, places: places)
    }

    /// Where a line of the text read is: `nb.md:7`, or in a Jupyter notebook its cell and line.
    public func place(_ path: String, line: Int) -> Bilingual {
        AnswerSheet.place(path, cell: places[line]?.cell, line: places[line]?.line ?? line)
    }

    /// **Linear in the notebook's length**: bracket depth is kept line by line
    /// (not recounted over the text so far), and a name written again is
    /// resolved once at the end, not by searching the answers at every line.
    public init(notebook: String, places: [Int: (cell: Int, line: Int)] = [:]) {
        self.places = places
        var written: [Answer] = []
        var inCell = false, pending = "", pendingLine = 0, depth = 0
        var lineNumber = 0
        func add(_ text: String, _ line: Int) {
            guard let eq = text.firstIndex(of: "=") else { malformed.append((line, text)); return }
            let name = text[..<eq].trimmingCharacters(in: .whitespaces)
            let expression = text[text.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            guard let first = name.first, first.isLetter, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                malformed.append((line, text)); return
            }
            written.append(Answer(name: name, expression: expression, line: places[line]?.line ?? line, cell: places[line]?.cell))
        }
        for raw in notebook.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let t = raw.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("```") {
                let info = t.dropFirst(3).trimmingCharacters(in: .whitespaces).lowercased()
                if !inCell, info == "answer" || info == "respuesta" { inCell = true; continue }
                if inCell { inCell = false; if !pending.isEmpty { add(pending, pendingLine) }; pending = ""; depth = 0; continue }
            }
            guard inCell else { continue }
            let code = t.hasPrefix("#") ? "" : t
            if pending.isEmpty {
                guard !code.isEmpty else { continue }
                pending = code; pendingLine = lineNumber
            } else {
                pending += " " + code
            }
            depth += Self.depthChange(code)
            if depth <= 0 { add(pending, pendingLine); pending = ""; depth = 0 }
        }
        if !pending.isEmpty { add(pending, pendingLine) }
        // A later answer to the same question replaces the earlier one and takes its place in the order.
        var seen = Set<String>()
        for answer in written.reversed() where seen.insert(answer.name).inserted { answers.append(answer) }
        answers.reverse()
        for (i, answer) in answers.enumerated() { index[answer.name] = i }
    }

    private var index: [String: Int] = [:]

    /// Brackets opened minus brackets closed on one line.
    static func depthChange(_ text: String) -> Int {
        var depth = 0
        for c in text { if c == "[" || c == "(" { depth += 1 } else if c == "]" || c == ")" { depth -= 1 } }
        return depth
    }

    public func answer(_ name: String) -> Answer? { index[name].map { answers[$0] } }

    /// Why the grader will not evaluate this sheet (nil when it will): more
    /// answers than `GraderLimits.answers`.
    public func refusal(name: String) -> Bilingual? {
        guard answers.count > GraderLimits.answers else { return nil }
        return Bilingual(
            es: "`\(name)` tiene \(answers.count) respuestas distintas; el corrector lee cuadernos de hasta \(GraderLimits.answers)",
            en: "`\(name)` has \(answers.count) distinct answers; the grader reads notebooks of up to \(GraderLimits.answers)")
    }
}

/// Grades an answers exercise: every reference is a calculator expression
/// evaluated with the learner's numbers, in the grader, and compared with the
/// learner's value; catalogued wrong answers are recognised and named.
public enum AnswersGrader {
    public static func grade(rubric: Rubric, notebookText: String, notebookPath: String, variant: Variant,
                             context: GradingContext, places: [Int: (cell: Int, line: Int)] = [:]) -> ExerciseReport {
        var report = ExerciseReport(exercise: rubric.exercise, title: rubric.title)
        let sheet = AnswerSheet(notebook: notebookText, places: places)
        if let refusal = sheet.refusal(name: notebookPath) {
            report.checks = rubric.checks.map { check in
                guard context.runs(check) else { return .skipped(check, exercise: rubric.exercise) }
                return CheckResult(exercise: rubric.exercise, id: check.id, name: check.name, points: 0, maxPoints: check.points,
                                   status: .notGradable, visibility: check.visibility, feedback: refusal, file: notebookPath,
                                   tags: (check.tags ?? []) + ["limit"])
            }
            return report
        }
        for (line, text) in sheet.malformed.prefix(3) {
            let shown = text.count > 80 ? String(text.prefix(80)) + "…" : text
            let place = sheet.place(notebookPath, line: line)
            report.notes.append(Bilingual(
                es: "\(place.es): `\(shown)` no es `nombre = valor`; se ignora",
                en: "\(place.en): `\(shown)` is not `name = value`; ignored"))
        }
        // Earlier answers are in scope for later ones (`a4 = a2 / 2`). Every
        // answer draws on one budget of elements and multiply-adds for the
        // whole notebook (`CalculatorLimits.elementsPerNotebook`).
        var scope: [String: Value] = [:]
        var evaluated: [String: Result<Numbers, CalculatorError>] = [:]
        let budget = CalculatorBudget.notebook()
        for answer in sheet.answers where answer.expression != "?" {
            do {
                let entry = try Calculator.evaluate(answer.expression, variables: scope, language: context.language, budget: budget)
                scope[answer.name] = entry.value
                let (shape, values) = entry.value.shapeAndValues
                evaluated[answer.name] = .success(Numbers(shape: shape, values: values))
            } catch let error as CalculatorError {
                evaluated[answer.name] = .failure(error)
            } catch {
                evaluated[answer.name] = .failure(CalculatorError(.unexpected("\(error)")))
            }
        }

        /// A check that is not graded now (hidden in a self-check, or a learner's copy without
        /// its reference) still has its answer read, as nbgrader's validate does: an answer
        /// that cannot be read, or has the wrong shape, is reported now, not lost unseen.
        func validated(_ skipped: CheckResult, _ check: Rubric.Check) -> CheckResult {
            guard let name = check.answer else { return skipped }
            var result = skipped
            guard let answer = sheet.answer(name), answer.expression != "?" else {
                result.feedback = skipped.feedback + Bilingual(
                    es: " (todavía no hay respuesta `\(name) = …`)", en: " (no answer `\(name) = …` yet)")
                return result
            }
            result.line = answer.line
            result.cell = answer.cell
            result.file = notebookPath
            switch evaluated[name] {
            case let .failure(error)?:
                result.status = .invalid
                result.feedback = Bilingual(
                    es: "`\(name)` no se puede leer: \(error.message(in: .es)) (esta comprobación se corrige más tarde, pero la respuesta debe poder leerse)",
                    en: "`\(name)` cannot be read: \(error.message(in: .en)) (this check is graded later, but its answer must be readable)")
            case let .success(got)?:
                if check.reference != nil, let expected = try? variant.expected(check), expected.shape != got.shape {
                    result.status = .invalid
                    result.feedback = Bilingual(es: "`\(name)`: ", en: "`\(name)`: ")
                        + feedback(Comparison.compare(got: got, expected: expected, tolerance: check.tolerance), got: got, expected: expected)
                        + Bilingual(es: " (esta comprobación se corrige más tarde)", en: " (this check is graded later)")
                } else {
                    result.feedback = skipped.feedback + Bilingual(es: "; `\(name)` se lee bien", en: "; `\(name)` reads fine")
                }
            case nil:
                break
            }
            return result
        }

        for check in rubric.checks {
            let start = Date()
            guard context.runs(check) else { report.checks.append(validated(.skipped(check, exercise: rubric.exercise), check)); continue }
            var result = CheckResult(exercise: rubric.exercise, id: check.id, name: check.name, points: 0,
                                     maxPoints: check.points, status: .failed, visibility: check.visibility,
                                     feedback: Bilingual(""), file: notebookPath, tags: check.tags ?? [])
            guard let name = check.answer, check.reference != nil || check.referenceModel != nil else {
                // A learner's copy (checks.json) lists hidden checks without their references.
                var skipped = CheckResult.skipped(check, exercise: rubric.exercise)
                skipped.feedback = Bilingual(es: "se corrige con la carpeta grading/ del curso", en: "graded with the course's grading/ folder")
                report.checks.append(validated(skipped, check)); continue
            }
            let answer = sheet.answer(name)
            result.line = answer?.line
            result.cell = answer?.cell
            let expected: Numbers
            do { expected = try variant.expected(check)! } catch {
                result.status = .graderError
                result.feedback = GraderError.rubric(file: rubric.exercise, problem: Bilingual(
                    es: "la referencia de `\(check.id)` no se puede evaluar: \(error)",
                    en: "the reference of `\(check.id)` cannot be evaluated: \(error)")).message
                report.checks.append(result); continue
            }
            guard let answer, answer.expression != "?" else {
                result.status = .notGradable
                result.feedback = notebookPath.hasSuffix(".ipynb")
                    ? Bilingual(es: "falta la respuesta: escribe `\(name) = …` en su celda de respuesta (la celda raw con `\(name) = ?`)",
                                en: "no answer yet: write `\(name) = …` in its answer cell (the raw cell with `\(name) = ?`)")
                    : Bilingual(es: "falta la respuesta: escribe `\(name) = …` en una celda ```answer",
                                en: "no answer yet: write `\(name) = …` in an ```answer cell")
                report.checks.append(result); continue
            }
            if check.forbidFunctions ?? rubric.forbidFunctions ?? false, let used = try? Calculator.functions(in: answer.expression), !used.isEmpty {
                let list = used.map { "`\($0)`" }.joined(separator: ", ")
                result.mistake = "calculator_used"
                result.feedback = Bilingual(
                    es: "esta respuesta debe calcularse a mano: aquí no se permite \(list); escribe el número o la matriz",
                    en: "this answer must be worked out by hand: \(list) is not allowed here; write the number or the matrix")
                report.checks.append(result); continue
            }
            // `[0,13, 0,87, 0,00]` reads as six numbers: a decimal comma is named before anything else.
            let commaHint = DecimalComma.hint(in: answer.expression, language: .en).map { en in
                Bilingual(es: DecimalComma.hint(in: answer.expression, language: .es) ?? en, en: en)
            }
            switch evaluated[name]! {
            case let .failure(error):
                result.feedback = Bilingual(es: "no se puede leer la respuesta: \(error.message(in: .es))",
                                            en: "the answer cannot be read: \(error.message(in: .en))")
                if let commaHint { result.feedback = commaHint + Bilingual("\n") + result.feedback }
            case let .success(got):
                let comparison = Comparison.compare(got: got, expected: expected, tolerance: check.tolerance)
                if comparison.matches {
                    result.status = .passed
                    result.points = check.points
                    result.feedback = Bilingual(es: "correcto", en: "correct")
                } else if let mistake = recognise(got, check: check, variant: variant, tolerance: check.tolerance) {
                    result.mistake = mistake.id
                    result.feedback = mistake.feedback ?? Mistakes.feedback(mistake.id)
                } else {
                    result.feedback = feedback(comparison, got: got, expected: expected)
                }
                if !comparison.matches, let commaHint { result.feedback = commaHint + Bilingual("\n") + result.feedback }
            }
            result.seconds = Date().timeIntervalSince(start)
            report.checks.append(result)
        }
        return report
    }

    static func recognise(_ got: Numbers, check: Rubric.Check, variant: Variant, tolerance: Tolerance) -> Rubric.Mistake? {
        for mistake in check.mistakes ?? [] {
            guard let expression = mistake.expression, let wrong = try? variant.evaluate(expression) else { continue }
            if Comparison.compare(got: got, expected: wrong, tolerance: tolerance).matches { return mistake }
        }
        return nil
    }

    /// What is wrong without giving the answer away: the shape, or which elements.
    static func feedback(_ comparison: Comparison, got: Numbers, expected: Numbers) -> Bilingual {
        switch comparison.outcome {
        case .match: return Bilingual(es: "correcto", en: "correct")
        case .shapeMismatch:
            let e = expected.shapeText, g = got.shapeText
            return Bilingual(es: "se esperaba \(e == "scalar" ? "un número" : "un arreglo de forma \(e)") y la respuesta es \(g == "scalar" ? "un número" : "un arreglo de forma \(g)")",
                             en: "expected \(e == "scalar" ? "a number" : "an array of shape \(e)"), the answer is \(g == "scalar" ? "a number" : "an array of shape \(g)")")
        case .nonFinite:
            return Bilingual(es: "la respuesta contiene NaN o ∞", en: "the answer contains NaN or ∞")
        case let .values(mismatched, total):
            if total == 1 { return Bilingual(es: "incorrecto", en: "incorrect") }
            let where_ = comparison.differences.map { "\($0.index)" }.joined(separator: ", ")
            return Bilingual(es: "\(mismatched) de \(total) elementos no coinciden, por ejemplo en \(where_)",
                             en: "\(mismatched) of \(total) elements differ, e.g. at \(where_)")
        }
    }
}
