def repair(text):
    return text, []
