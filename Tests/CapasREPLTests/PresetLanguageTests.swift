@testable import CapasREPL
import XCTest

/// `:preset` in a Spanish session shows the model's comments in Spanish.
final class PresetLanguageTests: XCTestCase {
    func testPresetCommentsFollowTheSessionLanguage() {
        let spanish = Interpreter(language: .es)
        let resnet = spanish.execute(":preset resnet18").text
        XCTAssertTrue(resnet.contains("# etapa 1, bloque 1: 56x56x64, atajo identidad"), resnet)
        XCTAssertTrue(resnet.contains("el atajo también debe cambiar de forma"), resnet)
        XCTAssertFalse(resnet.contains("identity shortcut"), resnet)
        let lenet = spanish.execute(":preset cnn-lenet").text
        XCTAssertTrue(lenet.contains("# La CNN de estilo LeNet del curso para FashionMNIST."), lenet)
        let english = Interpreter(language: .en).execute(":preset resnet18").text
        XCTAssertTrue(english.contains("# layer1, block 1: 56x56x64, identity shortcut"), english)
    }

    func testEveryCoursePresetCommentHasASpanishText() {
        for name in ["fnn-small", "fnn-deep", "cnn-lenet", "cnn-medium", "cnn-cifar", "resnet18"] {
            let text = Interpreter(language: .es).execute(":preset \(name)").text
            for line in text.components(separatedBy: "\n") where line.contains("# ") {
                let english = ["layer", " block ", "shortcut", " the ", " with ", " and ", " of "]
                XCTAssertFalse(english.contains { line.contains($0) }, "\(name): \(line)")
            }
        }
    }
}
