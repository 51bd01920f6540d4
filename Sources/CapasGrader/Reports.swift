import Foundation
import CapasMessages

/// The report formats: text for people, capas JSON, JUnit XML for CI
/// reporters, Gradescope's `results.json`.
public enum Reports {
    // MARK: text

    public static func text(_ report: GradeReport, language L: Language, colour: Bool) -> String {
        func paint(_ s: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
        func line(_ s: String) -> String { inert(s, keepLayout: false) }
        var lines: [String] = []
        for exercise in report.exercises {
            lines.append(paint(line(exercise.exercise + " — " + exercise.title.text(L)), "1"))
            for note in exercise.notes {
                for (i, part) in inert(note.text(L), keepLayout: true).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    lines.append(i == 0 ? "  " + paint("! ", "33") + part : "    " + part)
                }
            }
            for check in exercise.checks {
                let mark: String
                switch check.status {
                case .passed: mark = paint("✓", "32")
                case .skipped: mark = paint("·", "2")
                case .failed: mark = paint("✗", "31")
                default: mark = paint("!", "31")
                }
                let points = check.status == .skipped
                    ? L.pick(es: "oculta, \(Comparison.format(check.maxPoints)) pt", en: "hidden, \(Comparison.format(check.maxPoints)) pt")
                    : "\(Comparison.format(check.points))/\(Comparison.format(check.maxPoints))"
                var text = "  \(mark) \(line(check.id)): \(line(check.name.text(L)))  [\(points)]"
                if check.status != .passed && check.status != .failed && check.status != .skipped {
                    text += "  " + paint(statusName(check.status, L), "31")
                }
                lines.append(text)
                if check.status != .passed && check.status != .skipped {
                    var feedback = inert(check.feedback.text(L), keepLayout: true)
                    if let file = check.file, let lineNumber = check.line {
                        feedback = "\(line(AnswerSheet.place(file, cell: check.cell, line: lineNumber).text(L))): " + feedback
                    }
                    for part in feedback.split(separator: "\n", omittingEmptySubsequences: false) { lines.append("      " + part) }
                }
            }
        }
        let checks = report.checks
        let run = checks.filter { $0.status != .skipped }
        let hidden = checks.count - run.count
        let passed = run.filter { $0.status == .passed }.count
        lines.append("")
        lines.append(L.pick(es: "Puntaje: \(Comparison.format(report.points)) de \(Comparison.format(report.maxPoints - hiddenPoints(report)))",
                            en: "Score: \(Comparison.format(report.points)) of \(Comparison.format(report.maxPoints - hiddenPoints(report)))")
                     + (hidden > 0 ? L.pick(es: " en las comprobaciones ejecutadas", en: " on the checks run") : ""))
        if hidden > 0 {
            let later = hidden == 1
                ? L.pick(es: "1 comprobación oculta se corrige más tarde.", en: "1 hidden check is graded later.")
                : L.pick(es: "\(hidden) comprobaciones ocultas se corrigen más tarde.", en: "\(hidden) hidden checks are graded later.")
            lines.append(L.pick(es: "Se ejecutaron \(run.count) de \(checks.count) comprobaciones (\(passed) correcta\(passed == 1 ? "" : "s")); ",
                                en: "\(run.count) of \(checks.count) checks run (\(passed) passed); ") + later)
        } else {
            lines.append(L.pick(es: "\(passed) de \(checks.count) comprobaciones correctas.",
                                en: "\(passed) of \(checks.count) checks passed."))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Learner text made inert for a terminal or a text file: every control
    /// character and escape sequence (ESC, CSI, OSC 52, `\r`, backspace, C1
    /// controls, bidirectional overrides) is written visibly (`\x1b`, `\r`,
    /// `\u{202e}`…), so a submission cannot move the cursor, rewrite a line,
    /// reach the clipboard or forge a passed check. `keepLayout` keeps `\n`
    /// and `\t` (multi-line feedback).
    public static func inert(_ s: String, keepLayout: Bool) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            let v = scalar.value
            switch v {
            case 0x0A where keepLayout, 0x09 where keepLayout:
                out.unicodeScalars.append(scalar)
            case 0x0A: out += "\\n"
            case 0x09: out += "\\t"
            case 0x0D: out += "\\r"
            case 0x00..<0x20, 0x7F:
                out += "\\x" + String(format: "%02x", v)
            case 0x80..<0xA0, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF:
                out += "\\u{" + String(v, radix: 16) + "}"
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func hiddenPoints(_ report: GradeReport) -> Double {
        report.checks.filter { $0.status == .skipped }.reduce(0) { $0 + $1.maxPoints }
    }

    public static func statusName(_ status: CheckStatus, _ L: Language) -> String {
        switch status {
        case .passed: return L.pick(es: "correcta", en: "passed")
        case .failed: return L.pick(es: "incorrecta", en: "failed")
        case .notGradable: return L.pick(es: "no se puede corregir", en: "not gradable")
        case .timeout: return L.pick(es: "tiempo agotado", en: "timed out")
        case .crash: return L.pick(es: "se cayó", en: "crashed")
        case .invalid: return L.pick(es: "salida inválida", en: "invalid output")
        case .skipped: return L.pick(es: "oculta", en: "hidden")
        case .graderError: return L.pick(es: "error del corrector", en: "grader error")
        }
    }

    // MARK: capas JSON

    public static func json(_ report: GradeReport) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(report), as: UTF8.self) + "\n"
    }

    /// A learner's feedback as JSON, in one language: score, then every check
    /// with its status, points and feedback.
    public static func feedbackJSON(_ report: GradeReport, learner: String, language L: Language) -> String {
        let exercises: [[String: Any]] = report.exercises.map { exercise in
            [
                "exercise": exercise.exercise,
                "title": exercise.title.text(L),
                "notes": exercise.notes.map { $0.text(L) },
                "score": exercise.points,
                "max_score": exercise.maxPoints,
                "checks": exercise.checks.map { check -> [String: Any] in
                    var item: [String: Any] = [
                        "id": check.id, "name": check.name.text(L), "status": check.status.rawValue,
                        "status_text": statusName(check.status, L), "points": check.points, "max_points": check.maxPoints,
                        "feedback": check.feedback.text(L),
                    ]
                    if let file = check.file { item["file"] = relative(file, folder: exercise.folder) }
                    if let line = check.line { item["line"] = line }
                    if let cell = check.cell { item["cell"] = cell }
                    return item
                },
            ]
        }
        let object: [String: Any] = [
            "learner": learner, "language": L == .es ? "es" : "en", "score": report.points, "max_score": report.maxPoints,
            "status": report.status, "exercises": exercises,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    // MARK: JUnit

    /// JUnit XML as GitLab and the GitHub Actions reporters read it: one
    /// suite per exercise, the exercise id as `classname`, a unique test name
    /// per check, failure text in both `message` and the element body,
    /// `error` for crash/timeout/compile problems, `skipped` for hidden checks.
    /// File paths are relative to the submission root (the repository being
    /// checked): the exercise's folder, then the file.
    public static func junit(_ report: GradeReport, language L: Language) -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let all = report.checks
        xml += "<testsuites name=\"capas\" tests=\"\(all.count)\" failures=\"\(all.filter { $0.status == .failed }.count)\" errors=\"\(all.filter(isError).count)\" skipped=\"\(all.filter(isSkipped).count)\" time=\"\(seconds(report.seconds))\">\n"
        for exercise in report.exercises {
            let c = exercise.checks
            xml += "  <testsuite name=\"\(escape(exercise.exercise))\" tests=\"\(c.count)\" failures=\"\(c.filter { $0.status == .failed }.count)\" errors=\"\(c.filter(isError).count)\" skipped=\"\(c.filter(isSkipped).count)\" time=\"\(seconds(c.reduce(0) { $0 + $1.seconds }))\">\n"
            for check in c {
                var attributes = "classname=\"\(escape(exercise.exercise))\" name=\"\(escape(check.id + ": " + check.name.text(L)))\" time=\"\(seconds(check.seconds))\""
                if let file = check.file {
                    attributes += " file=\"\(escape(relative(file, folder: exercise.folder)))\""
                    if let line = check.line { attributes += " line=\"\(line)\"" }
                }
                xml += "    <testcase \(attributes)"
                let message = check.feedback.text(L)
                switch check.status {
                case .passed:
                    xml += "/>\n"
                case _ where check.isOptionalNotAttempted:
                    xml += ">\n      <skipped message=\"\(escape(L.pick(es: "opcional (0 puntos), sin hacer: ", en: "optional (0 points), not attempted: ") + message))\"/>\n    </testcase>\n"
                case .skipped:
                    xml += ">\n      <skipped message=\"\(escape(L.pick(es: "comprobación oculta: se corrige más tarde", en: "hidden check: graded later")))\"/>\n    </testcase>\n"
                case .failed:
                    xml += ">\n      <failure message=\"\(escape(message))\" type=\"\(check.mistake ?? "failed")\">\(escape(message))</failure>\n    </testcase>\n"
                default:
                    xml += ">\n      <error message=\"\(escape(message))\" type=\"\(check.status.rawValue)\">\(escape(message))</error>\n    </testcase>\n"
                }
            }
            xml += "  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }

    static func isError(_ check: CheckResult) -> Bool {
        [.notGradable, .timeout, .crash, .invalid, .graderError].contains(check.status) && !check.isOptionalNotAttempted
    }

    static func isSkipped(_ check: CheckResult) -> Bool { check.status == .skipped || check.isOptionalNotAttempted }

    /// A check's file relative to the submission root: the exercise's folder, then the file.
    static func relative(_ file: String, folder: String?) -> String {
        guard !file.hasPrefix("/"), let folder, !folder.isEmpty else { return file }
        return folder + "/" + file
    }

    static func seconds(_ s: Double) -> String { String(format: "%.3f", s) }

    public static func escape(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n": out += "&#10;"
            case "\t": out += "&#9;"
            case "\r": out += "&#13;"
            default:
                // XML 1.0 forbids most control characters even escaped.
                if scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value) { out += "\u{FFFD}" }
                else { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    // MARK: Gradescope

    /// Gradescope's `results.json` (autograder specification): score,
    /// execution_time, output and its format, visibility, stdout_visibility,
    /// per-test fields, and a leaderboard.
    public static func gradescope(_ report: GradeReport, language L: Language) -> String {
        var tests: [[String: Any]] = []
        var number = 0
        for exercise in report.exercises {
            for check in exercise.checks {
                number += 1
                var output = check.feedback.text(L)
                if let file = check.file, let line = check.line { output = AnswerSheet.place(file, cell: check.cell, line: line).text(L) + ": " + output }
                var test: [String: Any] = [
                    "score": check.points,
                    "max_score": check.maxPoints,
                    "status": check.status == .passed || check.isOptionalNotAttempted ? "passed" : "failed",
                    "name": "\(exercise.exercise) · \(check.id): \(check.name.text(L))",
                    "name_format": "text",
                    "number": "\(number)",
                    "output": output,
                    "output_format": "text",
                    "tags": [exercise.exercise] + check.tags + (check.mistake.map { [$0] } ?? []),
                    "visibility": check.visibility.rawValue,
                ]
                if check.status == .skipped { test["output"] = L.pick(es: "se corrige más tarde", en: "graded later") }
                tests.append(test)
            }
        }
        let leaderboard: [[String: Any]] = report.exercises.flatMap(\.leaderboard).map { entry in
            var item: [String: Any] = ["name": entry.name, "value": entry.value]
            if let order = entry.order { item["order"] = order }
            return item
        }
        let notes = report.exercises.flatMap(\.notes).map { $0.text(L) }
        let results: [String: Any] = [
            "score": report.points,
            "execution_time": Int(report.seconds.rounded(.up)),
            "output": (notes + [L.pick(es: "Puntaje \(Comparison.format(report.points)) de \(Comparison.format(report.maxPoints))",
                                       en: "Score \(Comparison.format(report.points)) of \(Comparison.format(report.maxPoints))")])
                .joined(separator: "\n"),
            "output_format": "text",
            "test_output_format": "text",
            "test_name_format": "text",
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "tests": tests,
            "leaderboard": leaderboard,
        ]
        let data = try! JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    // MARK: gradebook

    /// One CSV row per submission: learner, score, max, status, each check's points, the reason of an error.
    public static func gradebook(_ rows: [(name: String, report: GradeReport)], language L: Language = .en) -> String {
        let columns = rows.first.map { $0.report.checks.map { "\($0.exercise)/\($0.id)" } } ?? []
        return Gradebook(columns: columns, roster: false)
            .csv(rows.map { Gradebook.Row(submission: $0.name, learner: $0.name, report: $0.report, language: L) })
    }

    static func csvField(_ s: String) -> String {
        // Quote when needed; a leading = + - @ is neutralised so spreadsheets do not run it.
        var s = s
        if let first = s.first, "=+-@".contains(first), Double(s) == nil { s = "'" + s }
        return s.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
