@testable import CapasREPL
import CapasMessages
import Foundation
import XCTest

/// .ipynb notebooks: reading (bounded, errors with the cell), running, converting to Markdown and back.
final class JupyterNotebookTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func json(_ object: Any) -> Data { try! JSONSerialization.data(withJSONObject: object) }

    func error(_ data: Data) -> NotebookFormatError? {
        do { _ = try JupyterNotebook(data: data); return nil } catch { return error as? NotebookFormatError }
    }

    func testSourceAsStringOrListAndCapasCells() throws {
        let book = try JupyterNotebook(data: json([
            "nbformat": 4, "nbformat_minor": 5,
            "metadata": ["kernelspec": ["name": "python3", "language": "python", "display_name": "Python 3"]],
            "cells": [
                ["cell_type": "code", "id": "a", "metadata": [:], "source": ["x = 1\n", "print(x)"], "outputs": [], "execution_count": NSNull()],
                ["cell_type": "code", "id": "b", "metadata": ["capas": true], "source": "input 28x28x1", "outputs": [], "execution_count": NSNull()],
                ["cell_type": "code", "id": "c", "metadata": ["tags": ["capas"]], "source": "dense 10", "outputs": [], "execution_count": NSNull()],
                ["cell_type": "code", "id": "d", "metadata": [:], "source": "%%capas\n1 + 1", "outputs": [], "execution_count": NSNull()],
                ["cell_type": "raw", "id": "e", "metadata": ["capas_answer": true], "source": "s1 = 3"],
            ]]))
        XCTAssertEqual(book.cells[0].source, "x = 1\nprint(x)")
        XCTAssertFalse(book.isCapasNotebook)
        XCTAssertEqual(book.cells.map(book.isCapasCell), [false, true, true, true, false])
        XCTAssertEqual(book.cells[3].body, "1 + 1")
        XCTAssertTrue(book.cells[4].isAnswer)
        // In a capas notebook every code cell is a capas cell.
        var capas = book
        capas.metadata = JupyterNotebook.capasMetadata
        XCTAssertEqual(capas.cells.map(capas.isCapasCell), [true, true, true, true, false])
    }

    func testBadNotebooksNameTheProblemAndTheCell() {
        XCTAssertEqual(error(Data("{\"cells\": [".utf8))?.en.contains("not valid JSON"), true)
        XCTAssertEqual(error(json(["nbformat": 3, "cells": []]))?.en.contains("nbformat 3"), true)
        XCTAssertEqual(error(json(["nbformat": 4, "metadata": [:], "cells": [
            ["cell_type": "markdown", "source": "ok", "metadata": [:]],
            ["cell_type": "code", "source": 7, "metadata": [:], "outputs": []]]]))?.en, "cell 2: `source` is missing (a string or a list of strings)")
        XCTAssertEqual(error(json(["nbformat": 4, "metadata": [:], "cells": [
            ["cell_type": "picture", "source": "", "metadata": [:]]]]))?.es.hasPrefix("celda 1:"), true)
        XCTAssertEqual(error(json(["nbformat": 4, "metadata": [:], "cells": [
            ["cell_type": "code", "source": "", "metadata": [:], "outputs": [["output_type": "nonsense"]]]]]))?.en.hasPrefix("cell 1, output 1"), true)
        XCTAssertEqual(error(json(["nbformat": 4, "metadata": [:], "cells": [
            ["cell_type": "code", "id": "x y", "source": "", "metadata": [:], "outputs": []]]]))?.en.contains("`id`"), true)
        // Too deep: refused before the JSON parser sees it.
        let deep = "{\"nbformat\": 4, \"cells\": [], \"metadata\": {\"x\": " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}}"
        XCTAssertEqual(error(Data(deep.utf8))?.en.contains("nests more than"), true)
        // Brackets inside strings do not count.
        let quoted = "{\"nbformat\": 4, \"metadata\": {}, \"cells\": [{\"cell_type\": \"markdown\", \"metadata\": {}, \"source\": \"" + String(repeating: "[", count: 500) + "\"}]}"
        XCTAssertNil(error(Data(quoted.utf8)))
        // Too large.
        XCTAssertEqual(error(Data(count: JupyterNotebook.maxBytes + 1))?.en.contains("8 MiB"), true)
    }

    func testMarkdownRoundTripsThroughIpynbUnchanged() throws {
        var files = ["README.md"]
        for folder in ["exercises", "solutions"] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent(folder).path)) ?? [] {
                let path = "\(folder)/\(name)/notebook.md"
                if FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(path).path) { files.append(path) }
            }
        }
        XCTAssertGreaterThan(files.count, 5)
        let odd = "\n\n<!-- note -->\n```capas\n1 + 1\n```\n\n\n```output\nold\n```\ntext right after\n\n```answer\ns1 = ?\n```\n\n\n"
        for (name, text) in files.map({ ($0, try! String(contentsOf: Self.root.appendingPathComponent($0), encoding: .utf8)) }) + [("odd", odd), ("empty", ""), ("unclosed", "```capas\nconv 1")] {
            let book = try JupyterNotebook(data: JupyterNotebook(markdown: text).serialized())
            XCTAssertEqual(book.markdown(), text, name)
        }
    }

    func testIpynbRoundTripsThroughMarkdownKeepingSourcesAndIds() throws {
        let original = try JupyterNotebook(data: json([
            "nbformat": 4, "nbformat_minor": 5, "metadata": JupyterNotebook.capasMetadata,
            "cells": [
                ["cell_type": "markdown", "id": "intro", "metadata": [:], "source": "# Title"],
                ["cell_type": "markdown", "id": "second", "metadata": ["tags": ["x"]], "source": "Two markdown cells in a row"],
                ["cell_type": "markdown", "id": "empty", "metadata": [:], "source": ""],
                ["cell_type": "code", "id": "run-1", "metadata": [:], "source": "A = [1, 2]\nA * 2", "outputs": [], "execution_count": NSNull()],
                ["cell_type": "code", "id": "cell-5", "metadata": [:], "source": "input 28x28x1", "outputs": [], "execution_count": NSNull()],
                ["cell_type": "raw", "id": "answers", "metadata": ["capas_answer": true], "source": "s1 = 26"],
                ["cell_type": "markdown", "id": "padded", "metadata": [:], "source": "\ntext with blank lines\n"],
            ]]))
        let again = try JupyterNotebook(data: JupyterNotebook(markdown: original.markdown()).serialized())
        XCTAssertEqual(again.cells.map(\.id), original.cells.map(\.id))
        XCTAssertEqual(again.cells.map(\.source), original.cells.map(\.source))
        XCTAssertEqual(again.cells.map(\.type), original.cells.map(\.type))
        XCTAssertEqual(again.cells[1].tags, ["x"])
    }

    func testAMixedNotebookRoundTripsThroughMarkdown() throws {
        let original = try JupyterNotebook(data: json([
            "nbformat": 4, "nbformat_minor": 5,
            "metadata": ["kernelspec": ["name": "python3", "language": "python", "display_name": "Python 3"], "language_info": ["name": "python"]],
            "cells": [
                ["cell_type": "code", "id": "py", "metadata": [:], "source": "import numpy as np\nx = np.zeros(3)", "outputs": [], "execution_count": NSNull()],
                ["cell_type": "code", "id": "cap", "metadata": [:], "source": "%%capas\ninput 28x28x1", "outputs": [], "execution_count": NSNull()],
                ["cell_type": "raw", "id": "plain", "metadata": [:], "source": "raw text\n```"],
                ["cell_type": "markdown", "id": "end", "metadata": [:], "source": "The end"],
            ]]))
        let markdown = original.markdown()
        XCTAssertTrue(markdown.contains("```python\nimport numpy as np"), markdown)
        let again = JupyterNotebook(markdown: markdown)
        XCTAssertEqual(again.cells.map(\.id), original.cells.map(\.id))
        XCTAssertEqual(again.cells.map(\.type), original.cells.map(\.type))
        XCTAssertEqual(again.cells.map(\.source), original.cells.map(\.source))
        XCTAssertFalse(again.isCapasNotebook)
        XCTAssertEqual(again.cells.map(again.isCapasCell), [false, true, false, false])
        // The one capas cell runs as a capas cell in Markdown: the Python one is not run.
        XCTAssertEqual(Notebook(text: markdown).cells.map(\.source), ["input 28x28x1"])
    }

    /// Layout kept in metadata comes from the file: nonsense there is ignored, never trusted.
    func testHostileLayoutMetadataIsIgnored() throws {
        for before in [-5, 1 << 40] as [Any] {
            let book = try JupyterNotebook(data: json([
                "nbformat": 4, "nbformat_minor": 5, "metadata": ["capas_markdown": ["trailing": before]].merging(JupyterNotebook.capasMetadata) { a, _ in a },
                "cells": [["cell_type": "code", "id": "cell-1", "execution_count": NSNull(), "outputs": [["output_type": "stream", "name": "stdout", "text": "x"]],
                           "metadata": ["capas_markdown": ["before": before, "output_before": before, "fence": "```capas\n```answer\ns1 = 1",
                                                           "close": "not a fence", "output_fence": "```capas"]],
                           "source": "1 + 1"]]]))
            let (text, places) = book.markdownWithPlaces()
            XCTAssertEqual(text, "```capas\n1 + 1\n```\n\n```output\nx\n```\n")
            XCTAssertTrue(places.isEmpty)
        }
    }

    func testADeepCommentInMarkdownIsProse() {
        let deep = "<!-- capas-cell {\"metadata\": {\"x\": " + String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000) + "}} -->"
        let book = JupyterNotebook(markdown: deep + "\n```capas\n1\n```\n")
        XCTAssertEqual(book.cells.map(\.type), [.markdown, .code])
        XCTAssertEqual(book.cells[0].source, deep)
    }

    func testRunWritesOutputsAsNbconvertDoes() throws {
        var book = JupyterNotebook(markdown: "# t\n\n```capas\nA = [[1, 2], [3, 4]]\nA * 2\n```\n\n```capas\n:show [[0, 0.5], [1, 0.25]]\n```\n\n```capas\nB = nope(1)\n```\n\n```capas\n1 + 1\n```\n")
        let failures = book.run(with: Interpreter(language: .en), keepGoing: false)
        XCTAssertEqual(failures.map(\.cell), [4])
        XCTAssertEqual(book.cells[1].outputs.last?["output_type"] as? String, "execute_result")
        XCTAssertEqual(JupyterNotebook.text(of: [book.cells[1].outputs.last!]).contains("8"), true)
        let image = book.cells[2].outputs.first { $0["output_type"] as? String == "display_data" }
        let png = (image?["data"] as? [String: Any])?["image/png"] as? String
        XCTAssertEqual(png.flatMap { Data(base64Encoded: $0) }?.prefix(4), Data([0x89, 0x50, 0x4E, 0x47]))
        let error = book.cells[3].outputs.first
        XCTAssertEqual(error?["output_type"] as? String, "error")
        XCTAssertEqual((error?["evalue"] as? String)?.contains("nope"), true)
        // The run stopped: the last cell was not run.
        XCTAssertNil(book.cells[4].executionCount)
        XCTAssertEqual(book.cells[3].executionCount, 3)
        var again = book
        XCTAssertEqual(again.run(with: Interpreter(language: .en), keepGoing: true).count, 1)
        XCTAssertEqual(again.cells[4].executionCount, 4)
    }

    /// The real executable's output validates with nbformat (the Jupyter venv of Tests/jupyter/run.sh).
    func testRunOutputValidatesWithNbformat() throws {
        let python = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/capas/jupyter-venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw XCTSkip("no Jupyter venv at \(python): run Tests/jupyter/run.sh once to make it")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capas-ipynb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let md = folder.appendingPathComponent("n.md"), nb = folder.appendingPathComponent("n.ipynb")
        try "# t\n\n```capas\nA = [[1, 2], [3, 4]]\nA * 2\n```\n\n```capas\n:show A\n```\n\n```capas\nnope(1)\n```\n".write(to: md, atomically: true, encoding: .utf8)
        let capas = try capasExecutable()
        let empty = folder.appendingPathComponent("empty")
        XCTAssertTrue(FileManager.default.createFile(atPath: empty.path, contents: nil))
        XCTAssertEqual(try runCapas(capas, arguments: ["convert", md.path, nb.path], input: empty, environment: [:]).status, 0)
        let run = try runCapas(capas, arguments: ["run", "--keep-going", nb.path], input: empty, environment: [:])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(String(decoding: run.stderr, as: UTF8.self).contains("n.ipynb: cell 4, line 1:"))
        let script = """
        import nbformat, sys
        nb = nbformat.read(sys.argv[1], as_version=4)
        nbformat.validate(nb)
        print(",".join("+".join(o["output_type"] for o in c.get("outputs", [])) for c in nb.cells))
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, nb.path]
        let pipe = Pipe(), errors = Pipe()
        process.standardOutput = pipe
        process.standardError = errors
        try process.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, err)
        // `A = …` prints a matrix: a display with text and HTML, not a stream.
        XCTAssertEqual(out.trimmingCharacters(in: .newlines), ",display_data+execute_result,stream+display_data,error")
    }

    func testLoadAndSaveIpynbInTheSession() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capas-ipynb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let session = Interpreter(language: .en)
        XCTAssertFalse(session.execute("input 28x28x1").isError)
        XCTAssertFalse(session.execute("A = [1, 2]").isError)
        let path = folder.appendingPathComponent("s.ipynb").path
        XCTAssertFalse(session.execute(":save \(path)").isError)
        let saved = try JupyterNotebook(data: Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertTrue(saved.isCapasNotebook)
        XCTAssertEqual(saved.cells.filter(saved.isCapasCell).map(\.source), ["input 28x28x1", "A = [1, 2]"])
        let other = Interpreter(language: .en)
        let loaded = other.execute(":load \(path)")
        XCTAssertFalse(loaded.isError, loaded.text)
        XCTAssertEqual(other.execute("A * 3").text.contains("6"), true)
        // A file that is not a notebook: the error names it.
        try Data("[1, 2".utf8).write(to: URL(fileURLWithPath: folder.appendingPathComponent("bad.ipynb").path))
        let bad = other.execute(":load \(folder.appendingPathComponent("bad.ipynb").path)")
        XCTAssertTrue(bad.isError)
        XCTAssertTrue(bad.text.contains("bad.ipynb: not valid JSON"), bad.text)
    }
}
