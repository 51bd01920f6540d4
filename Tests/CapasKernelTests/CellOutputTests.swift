@testable import CapasKernel
import CapasData
import CapasMessages
@testable import CapasREPL
import CapasTraining
import Foundation
import XCTest

/// How a cell's entries become Jupyter outputs: text, results, PNG pictures, errors with their line.
final class CellOutputTests: XCTestCase {
    func kernel() throws -> Kernel { try inProcessKernel() }

    func images(_ outputs: [Kernel.Output]) -> [PNGImage] {
        outputs.compactMap { if case let .image(image, _) = $0 { return image } else { return nil } }
    }

    func texts(_ outputs: [Kernel.Output]) -> String {
        outputs.compactMap {
            switch $0 {
            case let .text(t), let .result(t), let .table(t, _, _): return t
            case .image: return nil
            }
        }.joined(separator: "\n")
    }

    func testPicturesArePNGImagesNotText() throws {
        let k = try kernel()
        let (outputs, error) = k.run(cell: ":show [[0, 0.5], [1, 0.25]]")
        XCTAssertNil(error)
        let pngs = images(outputs)
        XCTAssertEqual(pngs.count, 1)
        XCTAssertEqual(Array(pngs[0].bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        // The caption stays as text; no ramp characters or escapes.
        XCTAssertTrue(texts(outputs).contains("values from 0 (black) to 1 (white)"), texts(outputs))
        XCTAssertFalse(texts(outputs).contains("@@"))
        XCTAssertFalse(texts(outputs).contains("\u{1B}["))

        // Several planes: one image with every panel.
        let (planes, _) = k.run(cell: "T = [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]\n:show T")
        XCTAssertEqual(images(planes).count, 1)
        XCTAssertTrue(texts(planes).contains("each plane goes from its lowest value"))
    }

    func testTrainingCurvesAndFiltersAreImages() throws {
        let k = try kernel()
        k.interpreter.register(DataSets(name: "quadrants", train: quadrants(64, seed: 1), test: quadrants(16, seed: 2)))
        XCTAssertNil(k.run(cell: "input 8x8x1\nconv 2 3x3 relu\nflatten\ndense 4").error)
        let (trained, error) = k.run(cell: ":train epochs=1 batch=16 data=quadrants")
        XCTAssertNil(error)
        XCTAssertEqual(images(trained).map { [$0.width, $0.height] }, [[800, 600]])
        XCTAssertFalse(texts(trained).contains("⠀"), "no braille chart in a notebook")
        let (filters, _) = k.run(cell: ":filters 0")
        XCTAssertEqual(images(filters).count, 1)
    }

    func testInterruptStopsTrainingAndTheRestOfTheCell() throws {
        let k = try kernel()
        k.interpreter.register(DataSets(name: "quadrants", train: quadrants(64, seed: 1), test: quadrants(16, seed: 2)))
        _ = k.run(cell: "input 8x8x1\nflatten\ndense 4")
        k.flags.interrupt = true
        let (outputs, error) = k.run(cell: ":train epochs=5 batch=8 data=quadrants\nx = 1")
        XCTAssertEqual(error?.name, "interrupt")
        XCTAssertEqual(error?.value, "interrupted: 1 entry was not run")
        XCTAssertTrue(texts(outputs).contains("after 1 step"), texts(outputs))
        // The weights are kept; the skipped entry did not run.
        XCTAssertNotNil(k.interpreter.runs["model"])
        k.flags.interrupt = false
        XCTAssertNotNil(k.run(cell: "x").error, "x was never assigned")
    }

    func testErrorsNameTheirLineInTheCell() throws {
        let k = try kernel()
        let (_, calculation) = k.run(cell: "input 8x8x1\n1 +* 2")
        XCTAssertEqual(calculation?.traceback.first, "cell line 2: error: `*` was not expected here")
        XCTAssertEqual(calculation?.value, "`*` was not expected here")
        let (_, model) = k.run(cell: "flatten\n\nconv 2 3x3 stride=x")
        XCTAssertTrue(model?.traceback.first?.hasPrefix("error at line 3, column 12") ?? false, "\(model?.traceback ?? [])")
        // One line: the REPL's message as it is.
        let (_, single) = k.run(cell: "1 +* 2")
        XCTAssertEqual(single?.traceback.first, "error: `*` was not expected here")
    }

    func testLastCalculationIsTheResult() throws {
        let k = try kernel()
        let (outputs, _) = k.run(cell: "a = 2\na * 3\n# done")
        guard outputs.count == 2, case let .text(first) = outputs[0], case let .result(last) = outputs[1] else {
            return XCTFail("\(outputs)")
        }
        XCTAssertEqual(first, "a = 2")
        XCTAssertEqual(last, "6")
        // A model line is printed, not a result.
        let (model, _) = k.run(cell: "input 4x4x1")
        guard case .text = model.first else { return XCTFail("\(model)") }
    }

    func testCompletionOffsetsCountCodePoints() throws {
        let k = try kernel()
        // "é" is one code point; the cursor is after `con` on the second line.
        let code = "x = 1 # é\ncon"
        let reply = k.complete(["code": code, "cursor_pos": code.unicodeScalars.count])
        XCTAssertEqual(reply["cursor_start"] as? Int, 10)
        XCTAssertEqual(reply["cursor_end"] as? Int, 13)
        XCTAssertEqual(Set(reply["matches"] as? [String] ?? []), ["concat", "conv", "conv1d", "conv2d"])
    }
}
