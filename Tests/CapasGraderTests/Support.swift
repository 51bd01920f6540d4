import Foundation
@testable import CapasGrader

/// The repository's root, from this file's location.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let course = Course(root: repositoryRoot)

func temporaryFolder(_ name: String = "capas-test") -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A subset of JSON Schema (draft 2020-12): type, required, properties,
/// additionalProperties false, items, enum, minimum. Returns the problems found.
func validate(_ value: Any, schema: [String: Any], path: String = "$") -> [String] {
    var problems: [String] = []
    if let type = schema["type"] as? String {
        let ok: Bool
        switch type {
        case "object": ok = value is [String: Any]
        case "array": ok = value is [Any]
        case "string": ok = value is String
        case "number": ok = Swift.type(of: value) != Bool.self && value is NSNumber
        case "integer": ok = Swift.type(of: value) != Bool.self && (value as? NSNumber).map { $0.doubleValue == $0.doubleValue.rounded() } ?? false
        case "boolean": ok = Swift.type(of: value) == Bool.self
        default: ok = false
        }
        if !ok { return ["\(path): expected \(type), found \(Swift.type(of: value))"] }
    }
    if let allowed = schema["enum"] as? [String], let s = value as? String, !allowed.contains(s) {
        problems.append("\(path): `\(s)` not in \(allowed)")
    }
    if let minimum = schema["minimum"] as? Double, let n = value as? NSNumber, n.doubleValue < minimum {
        problems.append("\(path): \(n) < \(minimum)")
    }
    if let object = value as? [String: Any] {
        for key in schema["required"] as? [String] ?? [] where object[key] == nil {
            problems.append("\(path): missing `\(key)`")
        }
        let properties = schema["properties"] as? [String: [String: Any]] ?? [:]
        for (key, item) in object {
            if let sub = properties[key] { problems += validate(item, schema: sub, path: "\(path).\(key)") }
            else if schema["additionalProperties"] as? Bool == false { problems.append("\(path): unexpected `\(key)`") }
        }
    }
    if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
        for (i, item) in array.enumerated() { problems += validate(item, schema: items, path: "\(path)[\(i)]") }
    }
    return problems
}

func loadSchema(_ name: String) -> [String: Any] {
    let url = repositoryRoot.appendingPathComponent("Tests/CapasGraderTests/Schemas/\(name)")
    return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
}

/// A learner notebook with these answers filled into the handout for `variant`.
func notebook(for rubric: Rubric, variant: Variant, answers: [String: String]) throws -> String {
    let master = try String(contentsOf: course.solutions.appendingPathComponent(rubric.exercise)
        .appendingPathComponent(rubric.notebook ?? "notebook.md"), encoding: .utf8)
    var text = try Assign.learnerVersion(of: "notebook.md", text: master, variant: variant)
    for (name, value) in answers { text = text.replacingOccurrences(of: "\(name) = ?", with: "\(name) = \(value)") }
    return text
}
