@testable import CapasKernel
import CapasMessages
@testable import CapasModel
@testable import CapasREPL
import Foundation
import XCTest

/// Matrices and `:summary` reach a notebook as text/plain and as text/html tables; the HTML is escaped.
final class RichOutputTests: XCTestCase {
    func kernel(_ language: Language = .en) throws -> Kernel { try inProcessKernel(language) }

    func testEscapeLeavesNoMarkup() {
        XCTAssertEqual(HTML.escape("<b>a & \"b\" 'c'</b>"), "&lt;b&gt;a &amp; &quot;b&quot; &#39;c&#39;&lt;/b&gt;")
        XCTAssertEqual(HTML.escape("conv 10 5x5 · é"), "conv 10 5x5 · é")
        let table = HTML.table(header: ["<th>"], rows: [["<script>alert(1)</script>"]], className: "x\"><script>")
        XCTAssertFalse(table.contains("<script"), table)
        XCTAssertTrue(table.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), table)
        XCTAssertTrue(table.contains("<th style=\"text-align: left\">&lt;th&gt;</th>"), table)
    }

    func testSummaryTableEscapesEveryCellAndNote() {
        let table = SummaryTable(header: ["layer", "type", "output", "params", "mult-adds"],
                                 rows: [["input", "", "4x4x1", "", ""], ["<img src=x onerror=alert(1)>", "Conv2d", "2x2x1", "10", "40"]],
                                 depths: [0, 1], layerColumn: 0, firstNumeric: 3, notes: ["  a < b & c"])
        XCTAssertFalse(table.html.contains("<img"), table.html)
        XCTAssertTrue(table.html.contains("<td style=\"text-align: left; padding-left: 1em\">&lt;img src=x onerror=alert(1)&gt;</td>"), table.html)
        XCTAssertTrue(table.html.contains(">a &lt; b &amp; c</p>"), table.html)
        // The text keeps the learner's characters as they are, indented by depth.
        XCTAssertTrue(table.text.contains("\n  <img src=x onerror=alert(1)>  Conv2d"), table.text)
    }

    func testMatricesComeAsTablesBesideTheText() throws {
        let k = try kernel()
        let (outputs, error) = k.run(cell: "A = [[1, 2], [3, 4]]\nA * 2")
        XCTAssertNil(error)
        guard outputs.count == 2, case let .table(first, firstHTML, firstIsResult) = outputs[0],
              case let .table(last, html, isResult) = outputs[1] else { return XCTFail("\(outputs)") }
        XCTAssertFalse(firstIsResult)
        XCTAssertTrue(isResult)
        XCTAssertEqual(first, "A =\n⎡ 1  2 ⎤\n⎣ 3  4 ⎦")
        XCTAssertTrue(firstHTML.contains("<code>A</code> ="), firstHTML)
        XCTAssertEqual(last, "⎡ 2  4 ⎤\n⎣ 6  8 ⎦")
        let cells = html.components(separatedBy: "<td style=\"text-align: right\">").dropFirst().map { $0.prefix { $0 != "<" } }
        XCTAssertEqual(cells, ["2", "4", "6", "8"])
        XCTAssertEqual(html.components(separatedBy: "<tr>").count - 1, 2)
        // A single number stays plain text.
        let (scalar, _) = k.run(cell: "1 + 2")
        guard case .result("3")? = scalar.first else { return XCTFail("\(scalar)") }
    }

    func testSpanishDecimalsAndChannelsInTheHTML() throws {
        let k = try kernel(.es)
        let (outputs, _) = k.run(cell: "[[[0.5, 1]], [[2, 3]]]")
        guard case let .table(text, html, true)? = outputs.first else { return XCTFail("\(outputs)") }
        XCTAssertTrue(text.contains("0,5"), text)
        XCTAssertTrue(html.contains(">0,5</td>"), html)
        XCTAssertTrue(html.contains("<caption>canal 0</caption>") && html.contains("<caption>canal 1</caption>"), html)
    }

    func testSummaryIsADisplayWithTheSameNumbers() throws {
        let k = try kernel()
        let (outputs, error) = k.run(cell: "input 28x28x1\nconv 10 5x5\n:summary")
        XCTAssertNil(error)
        guard case let .table(text, html, false)? = outputs.last else { return XCTFail("\(outputs)") }
        XCTAssertTrue(text.contains("Trainable parameters: 260"), text)
        XCTAssertTrue(html.contains("<td style=\"text-align: right\">260</td>"), html)
        // 24·24·10 outputs, each 5·5·1 multiply-adds and a bias
        XCTAssertTrue(html.contains("<td style=\"text-align: right\">149,760</td>"), html)
        XCTAssertTrue(html.contains(">Trainable parameters: 260</p>"), html)
    }
}
