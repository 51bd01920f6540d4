import CapasMessages

extension Dataset {
    /// The images of some classes only, relabelled 0, 1, 2… in the order given
    /// (`[5, 6, 7, 8, 9]` makes Sandal class 0), with those classes' names; at
    /// most `perClass` images of each, the first ones in the file's order.
    /// Throws when a class is not in 0..<classNames.count or repeats.
    public func selectingClasses(_ classes: [Int], perClass: Int? = nil) throws -> Dataset {
        guard !classes.isEmpty else { throw ClassSelectionError(problem: .empty) }
        var newLabel = [Int: Int]()
        for (i, c) in classes.enumerated() {
            guard c >= 0 && c < classNames.count else {
                throw ClassSelectionError(problem: .outOfRange(class: c, count: classNames.count, dataset: name))
            }
            guard newLabel.updateValue(i, forKey: c) == nil else { throw ClassSelectionError(problem: .repeated(class: c)) }
        }
        if let perClass, perClass < 1 { throw ClassSelectionError(problem: .perClass(perClass)) }
        var taken = [Int](repeating: 0, count: classes.count)
        var indices: [Int] = []
        for (i, label) in labels.enumerated() {
            guard let k = newLabel[Int(label)] else { continue }
            if let perClass, taken[k] >= perClass { continue }
            taken[k] += 1
            indices.append(i)
        }
        let picked = subset(indices)
        return Dataset(name: name, images: picked.images, labels: picked.labels.map { UInt8(newLabel[Int($0)]!) },
                       channels: channels, height: height, width: width,
                       classNames: classes.map { classNames[$0] }, spanishClassNames: classes.map { spanishClassNames[$0] })
    }
}

public struct ClassSelectionError: Error, LocalizedMessage, Equatable {
    public enum Problem: Equatable {
        case empty
        case outOfRange(class: Int, count: Int, dataset: String)
        case repeated(class: Int)
        case perClass(Int)
    }
    public let problem: Problem

    public func message(in L: Language) -> String {
        switch problem {
        case .empty:
            return L.pick(es: "indica al menos una clase, como --classes 0-4", en: "give at least one class, like --classes 0-4")
        case let .outOfRange(c, count, dataset):
            return L.pick(es: "\(dataset) no tiene la clase \(c): sus clases van de 0 a \(count - 1)",
                          en: "\(dataset) has no class \(c): its classes are 0 to \(count - 1)")
        case let .repeated(c):
            return L.pick(es: "la clase \(c) aparece dos veces", en: "class \(c) appears twice")
        case let .perClass(n):
            return L.pick(es: "--per-class debe ser al menos 1, no \(n)", en: "--per-class must be at least 1, not \(n)")
        }
    }
}
