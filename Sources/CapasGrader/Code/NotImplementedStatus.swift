import CapasExercise

/// The exit status of `notImplemented` in the learner's module: a stub, not a crash.
let notImplementedStatus: Int32 = CapasExercise.notImplementedExitCode
