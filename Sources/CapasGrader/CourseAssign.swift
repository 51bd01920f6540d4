import Foundation

/// `capas assign` for one exercise of a course.
public enum CourseAssign {
    /// Writes the learner version of `exercise` into `base/exercise` and returns that folder.
    @discardableResult
    public static func write(course: Course, exercise: String, learner: String?, to base: URL) throws -> URL {
        let rubric = try course.rubric(exercise)
        var variant = Variant.example(rubric)
        if let learner, !(rubric.parameters ?? [:]).isEmpty {
            guard let secret = try course.secret() else {
                throw GraderError.secret(path: course.secretFile.path, problem: Bilingual(
                    es: "no existe: `capas assign --new-secret` crea uno", en: "does not exist: `capas assign --new-secret` makes one"))
            }
            variant = try Variant.generate(rubric, secret: secret, learner: learner)
        }
        let master = course.solutions.appendingPathComponent(exercise)
        guard FileManager.default.fileExists(atPath: master.path) else {
            throw GraderError.exercise(path: master.path, problem: Bilingual(es: "no existe", en: "does not exist"))
        }
        let destination = base.appendingPathComponent(exercise)
        // Write into a fresh folder, then swap it in: a failure leaves the old handout intact.
        let staging = base.appendingPathComponent(".\(exercise).assign-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: staging) }
        try Assign.write(master: master, to: staging, variant: variant)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try (encoder.encode(rubric.publicVersion) + Data("\n".utf8)).write(to: staging.appendingPathComponent("checks.json"))
        if FileManager.default.fileExists(atPath: destination.path) { try FileManager.default.removeItem(at: destination) }
        try FileManager.default.moveItem(at: staging, to: destination)
        return destination
    }
}
