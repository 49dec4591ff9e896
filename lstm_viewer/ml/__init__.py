"""The ml layer: the only place TensorFlow and Keras are imported (always inside functions, so
importing these modules stays cheap). Building, training and saving models, the Keras fallback
reader, Keras evaluation. Imports the core, never Qt.
"""
