import CapasMessages
import CapasModel
import Foundation

/// A model named on the command line: a file in the model language or a preset name.
struct ModelSource {
    let name: String
    let text: String

    struct NotFound: LocalizedMessage {
        let argument: String
        func message(in L: Language) -> String {
            let presets = Presets.all.map(\.name).joined(separator: ", ")
            return L.pick(es: "no encuentro el modelo `\(argument)`: no es un archivo ni un modelo predefinido (\(presets))",
                          en: "cannot find model `\(argument)`: it is neither a file nor a preset (\(presets))")
        }
    }

    struct Unreadable: LocalizedMessage {
        let path: String, reason: String
        func message(in L: Language) -> String {
            L.pick(es: "no puedo leer \(path): \(reason)", en: "cannot read \(path): \(reason)")
        }
    }

    init(_ argument: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory), !isDirectory.boolValue {
            guard let data = FileManager.default.contents(atPath: argument) else {
                throw Unreadable(path: argument, reason: "permission denied")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw Unreadable(path: argument, reason: "not UTF-8 text")
            }
            name = URL(fileURLWithPath: argument).deletingPathExtension().lastPathComponent
            self.text = text
        } else if let text = Presets.text(named: argument) {
            name = argument
            self.text = text
        } else {
            throw NotFound(argument: argument)
        }
    }

    /// The analysis, with errors showing the file's lines.
    func analyze() throws -> ModelAnalysis { try ModelAnalysis(text: text) }
}
