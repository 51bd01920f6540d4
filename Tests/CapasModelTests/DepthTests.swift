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
}
