import CapasREPL
import Foundation

// A learner may hand in an exercise's notebook as Markdown (`notebook.md`) or
// as Jupyter (`notebook.ipynb`); answers are read from either in the same way.
// The .ipynb is read when it is the only one, or when both are there and it
// was saved later (handouts come with both; the learner works in one).

enum NotebookSubmission {
    /// The file to read for the rubric's notebook `name`, and a note when both formats were there.
    static func choose(_ name: String, in folder: URL) -> (name: String, note: Bilingual?) {
        let base = (name as NSString).deletingPathExtension
        let markdown = base + ".md", jupyter = base + ".ipynb"
        guard name.hasSuffix(".md") || name.hasSuffix(".ipynb") else { return (name, nil) }
        func modified(_ file: String) -> Date? {
            let path = folder.appendingPathComponent(file).path
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            return (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date ?? .distantPast
        }
        switch (modified(markdown), modified(jupyter)) {
        case (nil, _?): return (jupyter, nil)
        case (_?, nil): return (markdown, nil)
        case let (m?, j?):
            let chosen = j > m ? jupyter : m > j ? markdown : name
            let other = chosen == jupyter ? markdown : jupyter
            // Said only when the two hold different answers (a fresh handout has both, alike).
            guard case let .success(data) = SubmissionFiles.data(other, in: folder, limit: limit(other)),
                  case let .success(read) = text(of: data, name: other),
                  case let .success(mine) = SubmissionFiles.data(chosen, in: folder, limit: limit(chosen)),
                  case let .success(own) = text(of: mine, name: chosen),
                  AnswerSheet(notebook: read.text).answers.map({ [$0.name, $0.expression] })
                    != AnswerSheet(notebook: own.text).answers.map({ [$0.name, $0.expression] }) else { return (chosen, nil) }
            return (chosen, Bilingual(
                es: "`\(markdown)` y `\(jupyter)` tienen respuestas distintas: se corrige `\(chosen)`, guardado después",
                en: "`\(markdown)` and `\(jupyter)` hold different answers: `\(chosen)` is graded, saved later"))
        case (nil, nil): return (name, nil)
        }
    }

    /// The most bytes read for a notebook of this name.
    static func limit(_ name: String) -> Int { name.hasSuffix(".ipynb") ? JupyterNotebook.maxBytes : GraderLimits.notebookBytes }

    /// The text answers are read from and, for a Jupyter notebook, where each answer line is (cell, line in the cell).
    static func text(of data: Data, name: String) -> Result<(text: String, places: [Int: (cell: Int, line: Int)]), Refusal> {
        guard name.hasSuffix(".ipynb") else {
            return GraderLimits.text(of: data, name: name, limit: GraderLimits.notebookBytes).map { ($0, [:]) }
        }
        do {
            let (text, places) = try JupyterNotebook(data: data).markdownWithPlaces()
            return .success((text, places))
        } catch let error as NotebookFormatError {
            return .failure(Refusal(Bilingual(es: "`\(name)`: \(error.es)", en: "`\(name)`: \(error.en)")))
        } catch {
            return .failure(Refusal(Bilingual("`\(name)`: \(error)")))
        }
    }
}
