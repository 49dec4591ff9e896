"""The views always on screen, each following the view state's fields: the layers, the stepper, the
softmax, the prediction header and the stack's (c, h) state box (``stack_state``)."""
