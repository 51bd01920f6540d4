import CapasMessages
import CapasTraining
import Foundation

/// Shows training progress: a redrawn bar on a terminal, plain lines otherwise.
struct ProgressReporter {
    let language: Language
    let terminal = isTerminal(STDERR_FILENO)
    let totalEpochs: Int
    var lastDraw = Date.distantPast

    init(language: Language, totalEpochs: Int) {
        self.language = language
        self.totalEpochs = totalEpochs
    }

    mutating func handle(_ event: TrainingEvent) {
        let L = language
        switch event {
        case let .batch(epoch, batch, of, loss, accuracy):
            guard terminal, batch == of || Date().timeIntervalSince(lastDraw) > 0.1 else { return }
            lastDraw = Date()
            let width = 30
            let filled = of > 0 ? min(width, width * batch / of) : 0
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let text = String(format: "\r%@ %d/%d %@ %d/%d  %@ %.4f  %@ %.4f ",
                              L.pick(es: "época", en: "epoch"), epoch, totalEpochs, bar, batch, of,
                              L.pick(es: "pérdida", en: "loss"), loss, L.pick(es: "exactitud", en: "acc"), accuracy)
            writeError(text)
        case let .epoch(r):
            if terminal { writeError("\r\u{1B}[K") }
            var line = String(format: "%@ %d/%d  %@ %.4f  %@ %.4f",
                              L.pick(es: "época", en: "epoch"), r.epoch, totalEpochs,
                              L.pick(es: "pérdida", en: "train loss"), r.trainLoss,
                              L.pick(es: "exactitud entrenamiento", en: "train acc"), r.trainAccuracy)
            if let test = r.testAccuracy {
                line += String(format: "  %@ %.4f", L.pick(es: "exactitud prueba", en: "test acc"), test)
            }
            line += String(format: "  %.1f s  %.0f img/s", r.seconds, r.imagesPerSecond)
            print(line)
            fflush(stdout)
        }
    }
}
