import CapasREPL
import Foundation

/// Makes the learner's version of an exercise from the instructor's master:
/// solution regions out, stubs in, `{{…}}` numbers filled in.
///
/// Solution regions:
/// - Markdown prose: `<!-- BEGIN SOLUTION -->` … `<!-- END SOLUTION -->`, removed.
/// - Notebook cells: `# BEGIN SOLUTION` … `# END SOLUTION`; in them every
///   `name = …` becomes `name = ?` (not answered yet), other lines go.
/// - Swift: `// BEGIN SOLUTION` … `// END SOLUTION`, replaced by
///   `notImplemented("function")`, so the stub compiles and fails cleanly.
public enum Assign {
    public static func learnerVersion(of file: String, text: String, variant: Variant) throws -> String {
        if file.hasSuffix(".swift") { return try stripSwift(text, file: file) }
        if file.hasSuffix(".capas") || file.hasSuffix(".txt") { return try stripHashRegions(text, file: file) }
        if file.hasSuffix(".md") {
            let stripped = try stripMarkdown(text, file: file)
            let rendered = Template.render(stripped, variant: variant)
            return variant.parameters.isEmpty && variant.matrices.isEmpty ? rendered : withHeader(rendered, variant: variant)
        }
        return text
    }

    /// The master rendered for grading itself: numbers and `{{answer:…}}` filled in.
    public static func renderedMaster(_ text: String, rubric: Rubric, variant: Variant) throws -> String {
        var answers: [String: String] = [:]
        for check in rubric.checks {
            guard let name = check.answer, let expected = try variant.expected(check) else { continue }
            answers[name] = literal(expected)
        }
        return withHeader(Template.render(text, variant: variant, answers: answers), variant: variant)
    }

    static func withHeader(_ text: String, variant: Variant) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeAll { $0.hasPrefix("<!-- capas-variant:") }
        return ([variant.header] + lines).joined(separator: "\n")
    }

    /// A calculator literal: `24`, `[[4, 3], [2, 4]]`.
    public static func literal(_ numbers: Numbers) -> String {
        func build(_ axis: Int, _ offset: Int) -> (String, Int) {
            if axis == numbers.shape.count { return (Comparison.format(numbers.values[offset]), 1) }
            var parts: [String] = [], size = 0, at = offset
            for _ in 0..<numbers.shape[axis] {
                let (text, n) = build(axis + 1, at)
                parts.append(text); at += n; size += n
            }
            return ("[" + parts.joined(separator: ", ") + "]", size)
        }
        return build(0, 0).0
    }

    struct Region { var begin: String; var end: String }

    static func unbalanced(_ file: String, _ line: Int, _ es: String, _ en: String) -> GraderError {
        .exercise(path: "\(file):\(line)", problem: Bilingual(es: es, en: en))
    }

    static func stripMarkdown(_ text: String, file: String) throws -> String {
        var out: [String] = []
        var inProse = false, inCell = false, open = 0
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let t = line.trimmingCharacters(in: .whitespaces)
            switch t {
            case "<!-- BEGIN SOLUTION -->":
                guard !inProse, !inCell else { throw unbalanced(file, i + 1, "región de solución anidada", "nested solution region") }
                inProse = true; open = i + 1; continue
            case "<!-- END SOLUTION -->":
                guard inProse else { throw unbalanced(file, i + 1, "END SOLUTION sin BEGIN", "END SOLUTION without BEGIN") }
                inProse = false; continue
            case "# BEGIN SOLUTION":
                guard !inProse, !inCell else { throw unbalanced(file, i + 1, "región de solución anidada", "nested solution region") }
                inCell = true; open = i + 1; continue
            case "# END SOLUTION":
                guard inCell else { throw unbalanced(file, i + 1, "END SOLUTION sin BEGIN", "END SOLUTION without BEGIN") }
                inCell = false; continue
            default: break
            }
            if inProse { continue }
            if inCell {
                if let eq = t.firstIndex(of: "="), !t.hasPrefix("#") {
                    let name = t[..<eq].trimmingCharacters(in: .whitespaces)
                    if !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                        let indent = line.prefix { $0 == " " }
                        out.append("\(indent)\(name) = ?")
                    }
                }
                continue
            }
            out.append(String(line))
        }
        if inProse || inCell { throw unbalanced(file, open, "región de solución sin cerrar", "solution region never closed") }
        return out.joined(separator: "\n")
    }

    /// Model files and recipes: `# BEGIN SOLUTION` … `# END SOLUTION` removed.
    static func stripHashRegions(_ text: String, file: String) throws -> String {
        var out: [String] = [], inRegion = false, open = 0
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t == "# BEGIN SOLUTION" {
                guard !inRegion else { throw unbalanced(file, i + 1, "región de solución anidada", "nested solution region") }
                inRegion = true; open = i + 1; continue
            }
            if t == "# END SOLUTION" {
                guard inRegion else { throw unbalanced(file, i + 1, "END SOLUTION sin BEGIN", "END SOLUTION without BEGIN") }
                inRegion = false; continue
            }
            if !inRegion { out.append(String(line)) }
        }
        if inRegion { throw unbalanced(file, open, "región de solución sin cerrar", "solution region never closed") }
        return out.joined(separator: "\n")
    }

    static func stripSwift(_ text: String, file: String) throws -> String {
        var out: [String] = []
        var inRegion = false, open = 0, function = "solution"
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let t = line.trimmingCharacters(in: .whitespaces)
            if !inRegion, let range = t.range(of: "func ") {
                let name = t[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                if !name.isEmpty { function = String(name) }
            }
            if t == "// BEGIN SOLUTION" {
                guard !inRegion else { throw unbalanced(file, i + 1, "región de solución anidada", "nested solution region") }
                inRegion = true; open = i + 1
                out.append("\(line.prefix { $0 == " " })notImplemented(\"\(function)\")")
                continue
            }
            if t == "// END SOLUTION" {
                guard inRegion else { throw unbalanced(file, i + 1, "END SOLUTION sin BEGIN", "END SOLUTION without BEGIN") }
                inRegion = false; continue
            }
            if !inRegion { out.append(String(line)) }
        }
        if inRegion { throw unbalanced(file, open, "región de solución sin cerrar", "solution region never closed") }
        return out.joined(separator: "\n")
    }

    /// The lines inside solution regions (for the leak test).
    public static func solutionLines(_ text: String) -> [String] {
        var lines: [String] = [], inRegion = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let t = line.trimmingCharacters(in: .whitespaces)
            if ["<!-- BEGIN SOLUTION -->", "# BEGIN SOLUTION", "// BEGIN SOLUTION"].contains(t) { inRegion = true; continue }
            if ["<!-- END SOLUTION -->", "# END SOLUTION", "// END SOLUTION"].contains(t) { inRegion = false; continue }
            if inRegion { lines.append(t) }
        }
        return lines
    }

    /// Writes the learner version of every file of `master` (an exercise folder) into `destination`.
    public static func write(master: URL, to destination: URL, variant: Variant) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: destination, withIntermediateDirectories: true)
        let enumerator = fm.enumerator(at: master, includingPropertiesForKeys: [.isDirectoryKey])
        while let url = enumerator?.nextObject() as? URL {
            let relative = String(url.standardizedFileURL.path.dropFirst(master.standardizedFileURL.path.count + 1))
            let target = destination.appendingPathComponent(relative)
            if (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true {
                try fm.createDirectory(at: target, withIntermediateDirectories: true); continue
            }
            // Trained checkpoints are the learner's to make: the master's never reaches the handout.
            if relative.hasSuffix(".safetensors") { continue }
            let data = try Data(contentsOf: url)
            guard let text = String(data: data, encoding: .utf8) else { try data.write(to: target); continue }
            let learner = try learnerVersion(of: relative, text: text, variant: variant)
            try Data(learner.utf8).write(to: target, options: .atomic)
            // A Markdown notebook also goes out as Jupyter, made from the same learner text (never edited twice).
            if relative.hasSuffix(".md") {
                let book = JupyterNotebook(markdown: learner)
                let jupyter = (relative as NSString).deletingPathExtension + ".ipynb"
                if book.cells.contains(where: { $0.type == .code || $0.isAnswer }),
                   !fm.fileExists(atPath: master.appendingPathComponent(jupyter).path) {
                    try book.serialized().write(to: destination.appendingPathComponent(jupyter), options: .atomic)
                }
            }
        }
    }
}
