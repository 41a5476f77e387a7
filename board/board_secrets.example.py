# Board secrets: never publish or commit the real file. Copy to board_secrets.py on the board.
wifi_password = "change-me"
mqtt_user = "esp32/kitchen"
mqtt_password = "change-me"
