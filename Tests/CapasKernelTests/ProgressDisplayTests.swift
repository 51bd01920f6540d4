@testable import CapasKernel
import CapasData
import CapasTraining
@testable import CapasREPL
import Foundation
import XCTest

/// `:train`'s report in a notebook: one display updated in place, throttled, its last state always sent;
/// the curves as SVG and PNG with a description, also after `:plot` alone.
final class ProgressDisplayTests: XCTestCase {
    final class Sent {
        var messages: [(type: String, text: String, id: String)] = []
        func record(_ type: String, _ content: [String: Any]) {
            let text = (content["data"] as? [String: Any])?["text/plain"] as? String ?? "?"
            let id = (content["transient"] as? [String: Any])?["display_id"] as? String ?? "?"
            messages.append((type, text, id))
        }
    }

    func testOneDisplayRedrawnLikeATerminalAndItsLastStateSent() {
        let sent = Sent()
        let display = ProgressDisplay(interval: 3600) { sent.record($0, $1) }
        display.write("\rbar 1/4")
        display.write("\rbar 2/4")
        display.write("\r\u{1B}[K")
        display.write("epoch 1/2  loss 0.5\n")
        display.write("\rbar 1/4")
        display.write("\r\u{1B}[K")
        display.write("epoch 2/2  loss 0.4\n")
        // Held back by the interval: only the first state went out so far.
        XCTAssertEqual(sent.messages.map(\.type), ["display_data"])
        XCTAssertEqual(sent.messages[0].text, "bar 1/4")
        display.finish()
        XCTAssertEqual(sent.messages.map(\.type), ["display_data", "update_display_data"])
        XCTAssertEqual(sent.messages[1].text, "epoch 1/2  loss 0.5\nepoch 2/2  loss 0.4")
        XCTAssertEqual(sent.messages[1].id, sent.messages[0].id)
        // Nothing held back: finishing sends nothing more; the next report is a new display.
        display.finish()
        XCTAssertEqual(sent.messages.count, 2)
        display.write("epoch 1/1\n")
        XCTAssertEqual(sent.messages.last?.type, "display_data")
        XCTAssertNotEqual(sent.messages.last?.id, sent.messages[0].id)
    }

    func testUpdatesAfterTheIntervalAndNeverAnEmptyDisplay() {
        let sent = Sent()
        let display = ProgressDisplay(interval: 0) { sent.record($0, $1) }
        display.write("\r\u{1B}[K")
        XCTAssertTrue(sent.messages.isEmpty, "no display for an empty report")
        display.write("\rbar 1/2")
        display.write("\rbar 2/2")
        display.write("\r\u{1B}[K")
        display.write("epoch 1/1\n")
        display.finish()
        XCTAssertEqual(sent.messages.map(\.type), ["display_data", "update_display_data", "update_display_data"])
        XCTAssertEqual(sent.messages.map(\.text), ["bar 1/2", "bar 2/2", "epoch 1/1"])
    }


    func kernel() throws -> Kernel { try inProcessKernel() }

    func testCurvesAreSVGAndPNGWithADescriptionAndPlotShowsThem() throws {
        let k = try kernel()
        k.interpreter.register(DataSets(name: "quadrants", train: quadrants(64, seed: 1), test: quadrants(16, seed: 2)))
        XCTAssertEqual(k.run(cell: ":plot").error?.value, "there are no curves yet: train a model with :train (see :help train)")
        XCTAssertNil(k.run(cell: "input 8x8x1\nflatten\ndense 4").error)
        let (trained, error) = k.run(cell: ":train epochs=2 batch=16 data=quadrants")
        XCTAssertNil(error)
        let (plotted, plotError) = k.run(cell: ":plot")
        XCTAssertNil(plotError)
        for outputs in [trained, plotted] {
            let pictures = outputs.compactMap { if case let .image(image, alt) = $0 { return (image, alt) } else { return nil } }
            XCTAssertEqual(pictures.count, 1)
            guard let (image, alt) = pictures.first else { continue }
            XCTAssertEqual(alt, "training curves of `model` on quadrants (8 steps, 2 epochs): loss and accuracy per step, test accuracy per epoch")
            let svg = try XCTUnwrap(image.svg)
            XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" height=\"600\""), String(svg.prefix(80)))
            XCTAssertTrue(svg.hasSuffix("</svg>") || svg.hasSuffix("</svg>\n"))
            XCTAssertEqual(Array(image.bytes.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        }
        // A picture of pixels has no SVG and says its size.
        let (shown, _) = k.run(cell: ":show [[0, 1], [1, 0]]")
        guard case let .image(image, alt)? = shown.last else { return XCTFail("no image: \(shown)") }
        XCTAssertNil(image.svg)
        XCTAssertTrue(alt.hasSuffix("pixel image"), alt)
    }
}
