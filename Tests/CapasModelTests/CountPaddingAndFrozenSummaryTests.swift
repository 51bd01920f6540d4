import CapasCore
@testable import CapasModel
import XCTest

final class CountPaddingAndFrozenSummaryTests: XCTestCase {
    func testCountPadParsesPrintsBackAndReachesTheCore() throws {
        let analysis = try ModelAnalysis(text: "input 6x6x2\navgpool 3 stride=1 pad=1 count_pad=no\navgpool 2 count_include_pad=yes")
        XCTAssertEqual(analysis.model.text, "input 6x6x2\navgpool 3 stride=1 pad=1 count_pad=no\navgpool 2\n")
        guard case let .pool(config) = analysis.layers[0].resolved else { return XCTFail("not a pooling layer") }
        XCTAssertFalse(config.countPadding)
        guard case let .pool(second) = analysis.layers[1].resolved else { return XCTFail("not a pooling layer") }
        XCTAssertTrue(second.countPadding)
        // Built and run: a constant image stays constant, borders included.
        let network = try analysis.makeNetwork(seed: 0)
        let y = try network.forward(Tensor(repeating: 2, shape: [1, 2, 6, 6]), mode: .evaluation, upTo: 0)
        XCTAssertEqual(y.data, [Float](repeating: 2, count: 72))
    }

    func testTheExplanationSaysWhichDivisor() throws {
        let analysis = try ModelAnalysis(text: "input 6x6x2\navgpool 3 stride=1 pad=1 count_pad=no\navgpool 3 stride=1 pad=1")
        let without = analysis.layers[0].explanation(language: .en).notes.joined(separator: "\n")
        XCTAssertTrue(without.contains("count_include_pad=False"), without)
        XCTAssertFalse(without.contains("count_include_pad=True"), without)
        let with = analysis.layers[1].explanation(language: .es).notes.joined(separator: "\n")
        XCTAssertTrue(with.contains("count_include_pad=True"), with)
    }

    func testCountPadErrorsNameTheProblem() {
        for (text, fragment) in [("input 6x6x1\nmaxpool 2 count_pad=no", "count_pad"),
                                 ("input 6x6x1\navgpool 3 pad=1 count_pad=maybe", "yes or no"),
                                 ("input 6x6x1\navgpool 3 pad=1 count_pad=no count_include_pad=no", "count_include_pad")] {
            XCTAssertThrowsError(try ModelAnalysis(text: text), text) { error in
                let message = (error as! ModelError).message(in: .en)
                XCTAssertTrue(message.contains(fragment), "\(text): \(message)")
            }
        }
    }

    func testFrozenSummaryNumbersLayersAndSplitsParameters() throws {
        let analysis = try ModelAnalysis(text: "input 8x8x1\nconv 4 3x3 relu\nbatchnorm\nflatten\ndense 3")
        let plain = try analysis.summary(language: .en)
        XCTAssertFalse(plain.contains("Frozen"))
        let summary = try analysis.summary(language: .en, frozen: [0, 2])
        XCTAssertTrue(summary.contains("\n0*  conv 4 3x3"), summary)
        XCTAssertTrue(summary.contains("\n4   dense 3"), summary)
        XCTAssertTrue(summary.contains("Trainable parameters: \(4 * 36 * 3 + 3)"), summary)
        XCTAssertTrue(summary.contains("Frozen parameters (layers marked *): \(40 + 8)"), summary)
        let spanish = try analysis.summary(language: .es, frozen: [])
        XCTAssertTrue(spanish.contains("Parámetros congelados (capas con *): 0"), spanish)
    }
}
