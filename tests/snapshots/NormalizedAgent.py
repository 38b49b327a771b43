def structure(o, _):
  get = o.get
  obj = _new(_b)
  m = 0
  v0 = get('name', _MISSING)
  if type(v0) is str: pass
  elif v0 is _MISSING: v0 = d0; m += 1
  else:
    if v0 is not None and type(v0) is not str: raise TypeError('expected str')
  obj.name = v0
  v1 = get('language', _MISSING)
  if type(v1) is str: v1 = k1.get(v1, v1)
  elif v1 is _MISSING: v1 = d1; m += 1
  else:
    if type(v1) is str: v1 = k1.get(v1, v1)
    elif True: raise TypeError('expected a string')
  obj.language = v1
  v2 = get('initial_message', _MISSING)
  if type(v2) is str: pass
  elif v2 is _MISSING: v2 = d2; m += 1
  else:
    if v2 is not None and type(v2) is not str: raise TypeError('expected str')
  obj.initial_message = v2
  v3 = get('interrupt_sensitivity', _MISSING)
  if type(v3) is str: v3 = k3.get(v3, v3)
  elif v3 is _MISSING: v3 = d3; m += 1
  else:
    if type(v3) is str: v3 = k3.get(v3, v3)
    elif True: raise TypeError('expected a string')
  obj.interrupt_sensitivity = v3
  v4 = get('context_endpoint', _MISSING)
  if type(v4) is str: pass
  elif v4 is _MISSING: v4 = d4; m += 1
  else:
    if v4 is not None and type(v4) is not str: raise TypeError('expected str')
  obj.context_endpoint = v4
  v5 = get('noise_suppression', _MISSING)
  if type(v5) is bool: pass
  elif v5 is _MISSING: v5 = d5; m += 1
  else:
    if type(v5) is not bool: raise TypeError('expected bool')
  obj.noise_suppression = v5
  v6 = get('endpointing_sensitivity', _MISSING)
  if type(v6) is str: pass
  elif v6 is _MISSING: v6 = d6; m += 1
  else:
    if type(v6) is not str: raise TypeError('expected str')
  obj.endpointing_sensitivity = v6
  v7 = get('ivr_navigation_mode', _MISSING)
  if type(v7) is str: pass
  elif v7 is _MISSING: v7 = d7; m += 1
  else:
    if type(v7) is not str: raise TypeError('expected str')
  obj.ivr_navigation_mode = v7
  v8 = get('conversation_speed', _MISSING)
  if type(v8) is float: pass
  elif v8 is _MISSING: v8 = d8; m += 1
  else:
    if type(v8) is int: v8 = float(v8)
    elif type(v8) is not float: raise TypeError('expected a number')
  obj.conversation_speed = v8
  v9 = get('initial_message_delay', _MISSING)
  if type(v9) is float: pass
  elif v9 is _MISSING: v9 = d9; m += 1
  else:
    if type(v9) is int: v9 = float(v9)
    elif type(v9) is not float: raise TypeError('expected a number')
  obj.initial_message_delay = v9
  v10 = get('openai_model_name_override', _MISSING)
  if type(v10) is str: pass
  elif v10 is _MISSING: v10 = d10; m += 1
  else:
    if v10 is not None and type(v10) is not str: raise TypeError('expected str')
  obj.openai_model_name_override = v10
  v11 = get('ask_if_human_present_on_idle', _MISSING)
  if type(v11) is bool: pass
  elif v11 is _MISSING: v11 = d11; m += 1
  else:
    if type(v11) is not bool: raise TypeError('expected bool')
  obj.ask_if_human_present_on_idle = v11
  v12 = get('run_do_not_call_detection', _MISSING)
  if type(v12) is bool: pass
  elif v12 is _MISSING: v12 = d12; m += 1
  else:
    if type(v12) is not bool: raise TypeError('expected bool')
  obj.run_do_not_call_detection = v12
  v13 = get('llm_temperature', _MISSING)
  if type(v13) is float: pass
  elif v13 is _MISSING: v13 = d13; m += 1
  else:
    if type(v13) is int: v13 = float(v13)
    elif type(v13) is not float: raise TypeError('expected a number')
  obj.llm_temperature = v13
  v14 = o['id']
  if type(v14) is not str: raise TypeError('expected str')
  obj.id = v14
  v15 = o['user_id']
  if type(v15) is not str: raise TypeError('expected str')
  obj.user_id = v15
  v16 = o['prompt']
  if type(v16) is not str: v16 = h16(v16, t16)
  obj.prompt = v16
  v17 = o['actions']
  v17 = h17(v17, t17)
  obj.actions = v17
  v18 = o['voice']
  if type(v18) is not str: raise TypeError('expected str')
  obj.voice = v18
  v19 = get('webhook', _MISSING)
  if type(v19) is str: pass
  elif v19 is _MISSING: v19 = d19; m += 1
  else:
    if v19 is not None and type(v19) is not str: raise TypeError('expected str')
  obj.webhook = v19
  v20 = get('vector_database', _MISSING)
  if type(v20) is str: pass
  elif v20 is _MISSING: v20 = d20; m += 1
  else:
    if type(v20) is not str: v20 = h20(v20, t20)
  obj.vector_database = v20
  v21 = get('openai_account_connection', _MISSING)
  if type(v21) is str: pass
  elif v21 is _MISSING: v21 = d21; m += 1
  else:
    if type(v21) is not str: v21 = h21(v21, t21)
  obj.openai_account_connection = v21
  if len(o) + m != 22:
    obj._extra = _proxy({k: x for k, x in o.items() if k not in _known})
  obj.__class__ = _cls
  return obj
