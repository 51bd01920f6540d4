print("capas")
