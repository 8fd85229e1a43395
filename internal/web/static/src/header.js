// header.js — the header: the notification bell, quick add, the command menu and the shortcuts screen.
