// settings.js — settings: ordering stages by dragging and the permissions grid.
