import XCTest
import CapasMessages
import CapasREPL
@testable import CapasGrader

/// Answers handed in as a Jupyter notebook are graded exactly as from Markdown, placed by cell.
final class JupyterGradingTests: XCTestCase {
    let exercises = ["01-convolution-by-hand", "02-sizes-and-parameters", "04-pooling-softmax-crossentropy"]

    func referenceAnswers(_ rubric: Rubric, _ variant: Variant) throws -> [String: String] {
        var answers: [String: String] = [:]
        for check in rubric.checks { if let name = check.answer, let value = try variant.expected(check) { answers[name] = Assign.literal(value) } }
        return answers
    }

    /// Grades one exercise handed in as `file` (notebook.md or notebook.ipynb) holding `text`'s answers.
    func grade(_ id: String, markdown text: String, as file: String) throws -> ExerciseReport {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let exercise = folder.appendingPathComponent(id)
        try FileManager.default.createDirectory(at: exercise, withIntermediateDirectories: true)
        let data = file.hasSuffix(".ipynb") ? JupyterNotebook(markdown: text).serialized() : Data(text.utf8)
        try data.write(to: exercise.appendingPathComponent(file))
        return Grader.grade(submission: folder, course: course, options: .init(mode: .grade, language: .en, exercises: [id])).exercises[0]
    }

    func testASolutionAsIpynbScoresFullAndAWrongOneIsDiagnosedAsInMarkdown() throws {
        for id in exercises {
            let rubric = try course.rubric(id)
            let variant = Variant.example(rubric)
            var answers = try referenceAnswers(rubric, variant)
            let right = try notebook(for: rubric, variant: variant, answers: answers)
            let full = try grade(id, markdown: right, as: "notebook.ipynb")
            XCTAssertEqual(full.checks.map(\.points).reduce(0, +), rubric.maxPoints, "\(id): \(full.checks.map(\.feedback.en))")
            XCTAssertEqual(full.checks.map(\.points), try grade(id, markdown: right, as: "notebook.md").checks.map(\.points))

            // The first answer wrong: the same diagnosis, placed by cell in the .ipynb.
            let check = try XCTUnwrap(rubric.checks.first { $0.answer != nil })
            answers[check.answer!] = "[[999]]"
            let wrong = try notebook(for: rubric, variant: variant, answers: answers)
            let fromMarkdown = try grade(id, markdown: wrong, as: "notebook.md"), fromJupyter = try grade(id, markdown: wrong, as: "notebook.ipynb")
            XCTAssertLessThan(fromJupyter.checks.map(\.points).reduce(0, +), rubric.maxPoints)
            XCTAssertEqual(fromJupyter.checks.map(\.feedback), fromMarkdown.checks.map(\.feedback), id)
            XCTAssertEqual(fromJupyter.checks.map(\.status), fromMarkdown.checks.map(\.status), id)
            let failed = try XCTUnwrap(fromJupyter.checks.first { $0.id == check.id })
            let cell = try XCTUnwrap(failed.cell, "\(id): no cell")
            XCTAssertEqual(fromMarkdown.checks.first { $0.id == check.id }?.cell, nil)
            // The cell named is the answer cell that holds the answer.
            let book = JupyterNotebook(markdown: wrong)
            XCTAssertTrue(book.cells[cell - 1].isAnswer)
            XCTAssertTrue(book.cells[cell - 1].source.split(separator: "\n")[failed.line! - 1].hasPrefix("\(check.answer!) ="))
            let report = GradeReport(submission: "s", learner: nil, mode: "grade", exercises: [fromJupyter], seconds: 0)
            XCTAssertTrue(Reports.text(report, language: .en, colour: false).contains("notebook.ipynb, cell \(cell), line \(failed.line!): "))
            XCTAssertTrue(Reports.text(report, language: .es, colour: false).contains("notebook.ipynb, celda \(cell), línea \(failed.line!): "))
            // The cell goes into the capas JSON report, which still validates and reads back.
            let json = try JSONSerialization.jsonObject(with: Data(Reports.json(report).utf8))
            XCTAssertEqual(validate(json, schema: loadSchema("capas-report.schema.json")), [])
            XCTAssertEqual(try JSONDecoder().decode(GradeReport.self, from: Data(Reports.json(report).utf8)).exercises[0].checks.first { $0.id == check.id }?.cell, cell)
        }
    }

    func testAnAnswerCellMarkedByItsFirstLineCounts() throws {
        let book = try JupyterNotebook(data: JSONSerialization.data(withJSONObject: [
            "nbformat": 4, "nbformat_minor": 5, "metadata": JupyterNotebook.capasMetadata,
            "cells": [["cell_type": "markdown", "id": "a", "metadata": [:], "source": "# x"],
                      ["cell_type": "code", "id": "b", "metadata": [:], "source": "%%answer\ns1 = 3\nnot an answer", "outputs": [], "execution_count": NSNull()]]]))
        let sheet = AnswerSheet(jupyter: book)
        XCTAssertEqual(sheet.answers.map(\.name), ["s1"])
        XCTAssertEqual(sheet.answers[0].cell, 2)
        XCTAssertEqual(sheet.answers[0].line, 2)
        XCTAssertEqual(sheet.place("nb.ipynb", line: sheet.malformed[0].line).en, "nb.ipynb, cell 2, line 3")
    }

    func testABrokenIpynbIsNotGradableAndSaysWhy() throws {
        let id = "02-sizes-and-parameters"
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let exercise = folder.appendingPathComponent(id)
        try FileManager.default.createDirectory(at: exercise, withIntermediateDirectories: true)
        try Data("{\"nbformat\": 4, \"metadata\": {}, \"cells\": [{\"cell_type\": \"code\"}]}".utf8).write(to: exercise.appendingPathComponent("notebook.ipynb"))
        let report = Grader.grade(submission: folder, course: course, options: .init(mode: .grade, language: .en, exercises: [id])).exercises[0]
        XCTAssertTrue(report.checks.allSatisfy { $0.status == .notGradable && $0.points == 0 })
        XCTAssertTrue(report.checks[0].feedback.en.contains("notebook.ipynb`: cell 1: `source` is missing"), report.checks[0].feedback.en)
    }

    func testWithBothFormatsTheOneSavedLaterIsGradedAndADifferenceIsNoted() throws {
        let id = "02-sizes-and-parameters"
        let rubric = try course.rubric(id)
        let variant = Variant.example(rubric)
        let right = try notebook(for: rubric, variant: variant, answers: try referenceAnswers(rubric, variant))
        let handout = try notebook(for: rubric, variant: variant, answers: [:])
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let exercise = folder.appendingPathComponent(id)
        try FileManager.default.createDirectory(at: exercise, withIntermediateDirectories: true)
        let md = exercise.appendingPathComponent("notebook.md"), nb = exercise.appendingPathComponent("notebook.ipynb")
        try Data(handout.utf8).write(to: md)
        try JupyterNotebook(markdown: right).serialized().write(to: nb)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -60)], ofItemAtPath: md.path)
        var report = Grader.grade(submission: folder, course: course, options: .init(mode: .grade, language: .en, exercises: [id])).exercises[0]
        XCTAssertEqual(report.checks.map(\.points).reduce(0, +), rubric.maxPoints)
        XCTAssertTrue(report.notes.contains { $0.en.contains("`notebook.ipynb` is graded") }, "\(report.notes)")
        // The Markdown saved later wins.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -120)], ofItemAtPath: nb.path)
        report = Grader.grade(submission: folder, course: course, options: .init(mode: .grade, language: .en, exercises: [id])).exercises[0]
        XCTAssertEqual(report.checks.map(\.points).reduce(0, +), 0)
        // Unanswered in an .ipynb: the message points to the answer cell, not to a Markdown block.
        try FileManager.default.removeItem(at: md)
        try JupyterNotebook(markdown: handout).serialized().write(to: nb)
        report = Grader.grade(submission: folder, course: course, options: .init(mode: .grade, language: .en, exercises: [id])).exercises[0]
        XCTAssertTrue(report.checks[0].feedback.en.contains("in its answer cell (the raw cell with"), report.checks[0].feedback.en)
        try Data(handout.utf8).write(to: md)
        // Alike answers: no note.
        try JupyterNotebook(markdown: handout).serialized().write(to: nb)
        report = Grader.grade(submission: folder, course: course, options: .init(mode: .grade, language: .en, exercises: [id])).exercises[0]
        XCTAssertFalse(report.notes.contains { $0.en.contains("different answers") })
    }
}
