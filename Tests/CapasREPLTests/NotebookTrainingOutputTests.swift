import CapasData
import CapasTraining
import CapasMessages
@testable import CapasREPL
import Foundation
import XCTest

/// `capas run x.ipynb` stores what nbconvert stores with the capas kernel after `:train`: the progress
/// display's final state (one display_data of text), the summary, the curves as SVG, PNG and a description;
/// `:plot` alone shows the curves (a figure in a notebook, braille charts at the prompt).
final class NotebookTrainingOutputTests: XCTestCase {
    func testTrainingInANotebookKeepsTheFinalProgressAndTheCurvesAsSVGAndPNG() throws {
        let interpreter = Interpreter(language: .en)
        interpreter.register(DataSets(name: "quadrants", train: quadrants(64, seed: 1), test: quadrants(16, seed: 2)))
        var book = JupyterNotebook(markdown: "# t\n\n```capas\ninput 8x8x1\nflatten\ndense 4\n```\n\n```capas\n:train epochs=2 batch=16 data=quadrants\n```\n\n```capas\n:plot\n```\n")
        XCTAssertEqual(book.run(with: interpreter, keepGoing: false).count, 0)
        XCTAssertNil(interpreter.progress, "the session's own progress comes back after the run")
        let trained = book.cells[2].outputs
        XCTAssertEqual(trained.map { $0["output_type"] as? String }, ["display_data", "stream", "display_data"])
        let progress = JupyterNotebook.text(of: [trained[0]])
        XCTAssertEqual(progress.split(separator: "\n").map { String($0.prefix(9)) }, ["epoch 1/2", "epoch 2/2"], progress)
        XCTAssertFalse(JupyterNotebook.text(of: [trained[1]]).contains("epoch 1/2"), "the epochs are not printed twice")
        for figure in [trained[2], book.cells[3].outputs.first ?? [:]] {
            let data = try XCTUnwrap(figure["data"] as? [String: Any])
            XCTAssertEqual(data.keys.sorted(), ["image/png", "image/svg+xml", "text/plain"])
            let svg = (data["image/svg+xml"] as? [String])?.joined() ?? ""
            XCTAssertTrue(svg.hasPrefix("<svg "), String(svg.prefix(40)))
            XCTAssertEqual((data["text/plain"] as? [String])?.joined(),
                           "training curves of `model` on quadrants (8 steps, 2 epochs): loss and accuracy per step, test accuracy per epoch")
        }
    }

    func testPlotAloneAtThePromptDrawsTheCurvesAsText() {
        let interpreter = Interpreter(language: .es)
        interpreter.register(DataSets(name: "quadrants", train: quadrants(64, seed: 1), test: quadrants(16, seed: 2)))
        for line in ["input 8x8x1", "flatten", "dense 4", ":train epochs=1 batch=16 data=quadrants"] {
            XCTAssertFalse(interpreter.execute(line).isError, line)
        }
        let reply = interpreter.execute(":plot")
        XCTAssertFalse(reply.isError, reply.text)
        XCTAssertTrue(reply.text.contains("pérdida de entrenamiento (entropía cruzada) por paso"), reply.text)
        XCTAssertTrue(reply.text.unicodeScalars.contains { (0x2800...0x28FF).contains($0.value) }, "braille charts")
        XCTAssertTrue(interpreter.execute(":plot curvas.jpg").text.contains("uso: :plot (las curvas del último :train aquí)"))
    }
}
