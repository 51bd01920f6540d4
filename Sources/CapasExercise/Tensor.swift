// Placeholder: the exercise module's tensor type comes with the code checks.
public struct ExerciseTensor {}
