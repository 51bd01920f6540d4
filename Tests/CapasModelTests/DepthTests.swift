import CapasCore
import CapasMessages
@testable import CapasModel
import XCTest

/// Hostile model text: blocks nested thousands deep and huge texts are errors
/// with a place and the limit named, never a stack overflow.
final class DepthTests: XCTestCase {
    /// `levels` blocks of `kind` one inside the other, each on its own line, around one `relu`.
    func nested(_ levels: Int, _ kind: String = "residual") -> String {
        var lines = ["input 8x8x2"]
        for _ in 0..<levels { lines.append(kind == "residual" ? "residual {" : "concat { branch {") }
        lines.append("relu")
        for _ in 0..<levels { lines.append(kind == "residual" ? "}" : "} }") }
        return lines.joined(separator: "\n")
    }

    func testThousandsOfNestedBlocksAreAnErrorAtTheBlockThatGoesTooDeep() throws {
        for kind in ["residual", "concat"] {
            let text = nested(5_000, kind)
            XCTAssertThrowsError(try ModelText(parsing: text), kind) { error in
                guard let error = error as? ModelError else { return XCTFail("\(error)") }
                XCTAssertEqual(error.problem, .nestedTooDeep(limit: ModelLimits.nesting))
                // Line 1 is the input; the block one past the limit is on line limit + 2.
                XCTAssertEqual(error.span?.line, ModelLimits.nesting + 2, kind)
                XCTAssertEqual(error.span?.column, kind == "residual" ? 1 : 10, kind)
                let en = error.message(in: .en), es = error.message(in: .es)
                XCTAssertTrue(en.contains("line \(ModelLimits.nesting + 2)") && en.contains("\(ModelLimits.nesting) levels"), en)
                XCTAssertTrue(es.contains("línea \(ModelLimits.nesting + 2)") && es.contains("\(ModelLimits.nesting) niveles"), es)
            }
            XCTAssertThrowsError(try ModelAnalysis(text: text))
        }
    }

    /// The limit itself is usable: parsed, analysed, printed back and summarised on a
    /// 4 MiB stack, half a worker thread's 8 MiB (a debug build needs under 2 MiB).
    func testTheDeepestAllowedModelIsAnalysedOnASmallStack() throws {
        let text = nested(ModelLimits.nesting)
        final class Box: @unchecked Sendable { var layers = -1; var roundTrip = false; var summary = "" }
        let box = Box()
        let done = expectation(description: "analysed")
        let thread = Thread {
            if let analysis = try? ModelAnalysis(text: text) {
                box.layers = analysis.layers.count
                box.roundTrip = (try? ModelText(parsing: analysis.model.text))?.text == analysis.model.text
                box.summary = (try? analysis.summary(language: .en)) ?? ""
            }
            done.fulfill()
        }
        thread.stackSize = 4 << 20
        thread.start()
        wait(for: [done], timeout: 120)
        XCTAssertEqual(box.layers, ModelLimits.nesting + 1)   // the relu and one add per block
        XCTAssertTrue(box.roundTrip)
        XCTAssertTrue(box.summary.contains("multiply-adds") || box.summary.contains("mult-adds"), box.summary)
    }


    func testTextOverTheLimitIsRefusedNamingItsSize() throws {
        let text = "input 4\n" + String(repeating: "relu\n", count: ModelLimits.textBytes / 5 + 1)
        XCTAssertThrowsError(try ModelText(parsing: text)) { error in
            let en = (error as! ModelError).message(in: .en), es = (error as! ModelError).message(in: .es)
            XCTAssertTrue(en.contains("\(text.utf8.count) bytes") && en.contains("\(ModelLimits.textBytes)"), en)
            XCTAssertTrue(es.contains("\(text.utf8.count) bytes") && es.contains("\(ModelLimits.textBytes)"), es)
        }
    }

    func testMoreLayersThanTheLimitAreAnErrorAtTheFirstOnePast() throws {
        let text = "input 4\n" + String(repeating: "relu\n", count: ModelLimits.layers + 5)
        XCTAssertThrowsError(try ModelAnalysis(text: text)) { error in
            let error = error as! ModelError
            XCTAssertEqual(error.problem, .tooManyLayers(limit: ModelLimits.layers))
            XCTAssertEqual(error.span?.line, ModelLimits.layers + 2)
            XCTAssertTrue(error.message(in: .en).contains("\(ModelLimits.layers) layers"), error.message(in: .en))
            XCTAssertTrue(error.message(in: .es).contains("\(ModelLimits.layers) capas"), error.message(in: .es))
        }
        XCTAssertNoThrow(try ModelAnalysis(text: "input 4\n" + String(repeating: "relu\n", count: ModelLimits.layers)))
    }

    /// A word of 500,000 characters: quoted short, no "did you mean" search, the line shown as a window with the caret under the place.
    func testLongWordsAreQuotedShort() throws {
        let word = String(repeating: "q", count: 500_000)
        for text in ["input 4\n\(word)\n", "input 4\ndense 10 \(word)=1\n", "input 4\ndense \(word)\n"] {
            XCTAssertThrowsError(try ModelText(parsing: text)) { error in
                let message = (error as! ModelError).message(in: .en)
                XCTAssertLessThan(message.count, 1_000, String(message.prefix(300)))
                XCTAssertTrue(message.contains("…"), String(message.prefix(300)))
            }
        }
        // Far along a long line, the caret is still under the word it names.
        let line = "conv 3 3x3" + String(repeating: " ", count: 500) + "bogus=1"
        XCTAssertThrowsError(try ModelText(parsing: "input 4\n" + line)) { error in
            let lines = (error as! ModelError).message(in: .en).split(separator: "\n", omittingEmptySubsequences: false)
            let shown = lines[1], caret = lines[2]
            let at = caret.firstIndex(of: "^").map { caret.distance(from: caret.startIndex, to: $0) }!
            XCTAssertEqual(String(shown.dropFirst(at).prefix(5)), "bogus", "\(shown)\n\(caret)")
        }
    }

    /// `2p > f` on a padding near Int.max overflowed and trapped; it is a shape error now.
    func testHugePoolingPaddingIsAnErrorNotAnOverflow() {
        XCTAssertThrowsError(try ModelAnalysis(text: "input 8x8x1\nmaxpool 2 pad=4611686018427387904\n")) { error in
            guard case .shape = (error as? ModelError)?.problem else { return XCTFail("\(error)") }
        }
    }

    /// Every layer with numbers at the edges of Int: analysed, summarised and counted, or refused, never a trap.
    func testHugeNumbersInEveryLayerNeverTrap() {
        let values = ["0", "1", "2", "3", "999", "4097", "100000", "1073741824", "3037000500", "4611686018427387904", "9223372036854775807"]
        let lines = ["conv # #x#", "conv # # stride=# pad=#", "depthwise #x# multiplier=#", "conv # # groups=# dilation=#",
                     "maxpool # stride=# pad=#", "dense #", "embedding # #", "lstm #", "rnn # sequences=yes", "maxout #", "batchnorm",
                     "flatten", "globalavgpool", "residual { conv # 1 }", "concat { branch { conv # 1 } branch { conv # 1 } }",
                     "conv1d # #", "maxpool # stride=# ceil=yes", "avgpool #x# pad=#x# ceil=yes", "conv # #x# pad=same stride=#x# dilation=#",
                     "conv1d # # stride=# pad=same"]
        let inputs = ["input #x#x#", "input #x#", "input #"]
        var generator = SeededGenerator(seed: 7)
        func pick(_ list: [String]) -> String { list[Int(generator.next() % UInt64(list.count))] }
        func fill(_ template: String) -> String {
            var text = template
            while let r = text.range(of: "#") { text.replaceSubrange(r, with: pick(values)) }
            return text
        }
        var analysed = 0
        for _ in 0..<5_000 {
            let count = 1 + Int(generator.next() % 5)
            let text = ([fill(pick(inputs))] + (0..<count).map { _ in fill(pick(lines)) }).joined(separator: "\n")
            guard let analysis = try? ModelAnalysis(text: text) else { continue }
            analysed += 1
            _ = try? analysis.summary(language: .en)
            _ = try? analysis.totalParameters()
            _ = try? analysis.totalMultiplyAdds()
            _ = try? analysis.activationValues()
        }
        XCTAssertGreaterThan(analysed, 100, "the run must reach the analysis, not stop at the parser")
    }
}
