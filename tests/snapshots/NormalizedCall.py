def structure(o, _):
  get = o.get
  obj = _new(_b)
  m = 0
  v0 = o['id']
  if type(v0) is not str: raise TypeError('expected str')
  obj.id = v0
  v1 = o['user_id']
  if type(v1) is not str: raise TypeError('expected str')
  obj.user_id = v1
  v2 = o['to_number']
  if type(v2) is not str: raise TypeError('expected str')
  obj.to_number = v2
  v3 = o['from_number']
  if type(v3) is not str: raise TypeError('expected str')
  obj.from_number = v3
  v4 = o['telephony_provider']
  if type(v4) is str: v4 = k4.get(v4, v4)
  elif True: raise TypeError('expected a string')
  obj.telephony_provider = v4
  v5 = o['agent_phone_number']
  if type(v5) is not str: raise TypeError('expected str')
  obj.agent_phone_number = v5
  v6 = get('status', _MISSING)
  if type(v6) is str: v6 = k6.get(v6, v6)
  elif v6 is _MISSING: v6 = d6; m += 1
  else:
    if type(v6) is str: v6 = k6.get(v6, v6)
    elif True: raise TypeError('expected a string')
  obj.status = v6
  v7 = get('error_message', _MISSING)
  if type(v7) is str: pass
  elif v7 is _MISSING: v7 = d7; m += 1
  else:
    if v7 is not None and type(v7) is not str: raise TypeError('expected str')
  obj.error_message = v7
  v8 = get('recording_available', _MISSING)
  if type(v8) is bool: pass
  elif v8 is _MISSING: v8 = d8; m += 1
  else:
    if type(v8) is not bool: raise TypeError('expected bool')
  obj.recording_available = v8
  v9 = get('transcript', _MISSING)
  if type(v9) is str: pass
  elif v9 is _MISSING: v9 = d9; m += 1
  else:
    if v9 is not None and type(v9) is not str: raise TypeError('expected str')
  obj.transcript = v9
  v10 = get('human_detection_result', _MISSING)
  if type(v10) is str: v10 = k10.get(v10, v10)
  elif v10 is _MISSING: v10 = d10; m += 1
  else:
    if type(v10) is str: v10 = k10.get(v10, v10)
    elif v10 is not None and True: raise TypeError('expected a string')
  obj.human_detection_result = v10
  v11 = get('do_not_call_result', _MISSING)
  if type(v11) is bool: pass
  elif v11 is _MISSING: v11 = d11; m += 1
  else:
    if v11 is not None and type(v11) is not bool: raise TypeError('expected bool')
  obj.do_not_call_result = v11
  v12 = get('telephony_id', _MISSING)
  if type(v12) is str: pass
  elif v12 is _MISSING: v12 = d12; m += 1
  else:
    if v12 is not None and type(v12) is not str: raise TypeError('expected str')
  obj.telephony_id = v12
  v13 = get('stage', _MISSING)
  if type(v13) is str: v13 = k13.get(v13, v13)
  elif v13 is _MISSING: v13 = d13; m += 1
  else:
    if type(v13) is str: v13 = k13.get(v13, v13)
    elif v13 is not None and True: raise TypeError('expected a string')
  obj.stage = v13
  v14 = get('stage_outcome', _MISSING)
  if type(v14) is str: v14 = k14.get(v14, v14)
  elif v14 is _MISSING: v14 = d14; m += 1
  else:
    if type(v14) is str: v14 = k14.get(v14, v14)
    elif v14 is not None and True: raise TypeError('expected a string')
  obj.stage_outcome = v14
  v15 = get('telephony_metadata', _MISSING)
  if v15 is _MISSING: v15 = d15; m += 1
  else:
    if v15 is not None:
      c = g15.get(v15.get('type')) if type(v15) is dict else None
      if c is None:
        v15 = h15(v15, t15)
      elif len(v15) == 1:
        s = u15.get(c[1])
        v15 = s if s is not None else u15.setdefault(c[1], c[0](v15, c[1]))
      else:
        v15 = c[0](v15, c[1])
  obj.telephony_metadata = v15
  v16 = get('start_time', _MISSING)
  if type(v16) is int: v16 = _fromts(v16, _utc)
  elif v16 is _MISSING: v16 = d16; m += 1
  else:
    if type(v16) is int or type(v16) is float: v16 = _fromts(v16, _utc)
    elif v16 is not None: v16 = h16(v16, t16)
  obj.start_time = v16
  v17 = get('end_time', _MISSING)
  if type(v17) is int: v17 = _fromts(v17, _utc)
  elif v17 is _MISSING: v17 = d17; m += 1
  else:
    if type(v17) is int or type(v17) is float: v17 = _fromts(v17, _utc)
    elif v17 is not None: v17 = h17(v17, t17)
  obj.end_time = v17
  v18 = get('hipaa_compliant', _MISSING)
  if type(v18) is bool: pass
  elif v18 is _MISSING: v18 = d18; m += 1
  else:
    if type(v18) is not bool: raise TypeError('expected bool')
  obj.hipaa_compliant = v18
  v19 = get('on_no_human_answer', _MISSING)
  if type(v19) is str: v19 = k19.get(v19, v19)
  elif v19 is _MISSING: v19 = d19; m += 1
  else:
    if type(v19) is str: v19 = k19.get(v19, v19)
    elif v19 is not None and True: raise TypeError('expected a string')
  obj.on_no_human_answer = v19
  v20 = get('context', _MISSING)
  if v20 is _MISSING: v20 = d20; m += 1
  else:
    if v20 is not None:
      if type(v20) is not dict: raise TypeError('expected an object')
      if v20:
        for _k, _x in v20.items():
          if type(_k) is not str or type(_x) is not str: raise TypeError('expected str')
  obj.context = v20
  v21 = get('run_do_not_call_detection', _MISSING)
  if type(v21) is bool: pass
  elif v21 is _MISSING: v21 = d21; m += 1
  else:
    if v21 is not None and type(v21) is not bool: raise TypeError('expected bool')
  obj.run_do_not_call_detection = v21
  v22 = get('telephony_params', _MISSING)
  if v22 is _MISSING: v22 = d22; m += 1
  else:
    if v22 is not None:
      if type(v22) is not dict: raise TypeError('expected an object')
      if v22:
        for _k, _x in v22.items():
          if type(_k) is not str or type(_x) is not str: raise TypeError('expected str')
  obj.telephony_params = v22
  v23 = o['agent']
  if type(v23) is not str: raise TypeError('expected str')
  obj.agent = v23
  v24 = get('telephony_account_connection', _MISSING)
  if type(v24) is str: pass
  elif v24 is _MISSING: v24 = d24; m += 1
  else:
    if type(v24) is not str: v24 = h24(v24, t24)
  obj.telephony_account_connection = v24
  if len(o) + m != 25:
    obj._extra = _proxy({k: x for k, x in o.items() if k not in _known})
  obj.__class__ = _cls
  return obj
