// board.js — the pipeline board: dragging cards between stages with mouse, touch and keyboard.
